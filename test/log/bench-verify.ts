// Benchmark (not a test): verification speed of a log written by ActionLog. Run: npx tsx test/log/bench-verify.ts [entries]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import { verifyLog } from '../../sandbox/log/verify.js';

const count = Number(process.argv[2] ?? 1_000_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-'));
try {
  const file = path.join(dir, 'big.jsonl');
  const keyDir = path.join(dir, 'keys');
  const log = ActionLog.open({ file, session: 'bench', policyHash: 'p'.repeat(64), keyDir });
  for (let i = 0; i < count; i++) {
    log.append(i % 2 === 0
      ? { kind: 'decision', task: 't1', action: 'fs.write', target: `src/file${i}.ts`, verdict: 'allow', decidedBy: 'policy', rule: { layer: 'workspace', jsonPath: 'fs.write.allow[0]', pattern: 'src/**' } }
      : { kind: 'outcome', task: 't1', action: 'fs.write', ref: i, outcome: 'done', durationMs: 3 });
  }
  log.close();
  const size = fs.statSync(file).size;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const report = verifyLog(file, { keyDir });
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    const cpuMs = (c.user + c.system) / 1000;
    console.log(`${report.entries} entries (${(size / 1e6).toFixed(0)} MB) verified in ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU: ${Math.round(report.entries / (ms / 1000))} entries/s, ok=${report.ok}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
