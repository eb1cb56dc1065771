import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ActionLog } from './sandbox/log/writer.js';
import { sampleEntry } from './bench/log.js';
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-prof-'));
const keyDir = path.join(base, 'keys');
const rounds = Number(process.argv[2] ?? 6);
for (let r = 0; r < rounds; r++) {
  const file = path.join(base, `f${r}.jsonl`);
  const t = process.hrtime.bigint();
  const log = ActionLog.open({ file, session: 'bench', policyHash: '0'.repeat(64), keyDir });
  for (let i = 0; i < 100_000; i++) {
    log.append(sampleEntry(i));
    if (i % 100 === 99) await yieldToLoop();
  }
  log.close();
  console.log(`round ${r}: ${(Number(process.hrtime.bigint() - t) / 1e5 / 1000).toFixed(2)} us/entry`);
  fs.rmSync(file);
}
fs.rmSync(base, { recursive: true, force: true });
