// Benchmark (not a test): ActionLog.append throughput against a pino-style baseline (JSON line + sync write, no hashing).
// Run: npx tsx test/log/bench-throughput.ts [entries]. pino itself is not a dependency; the baseline does what pino's
// sync destination does per call (serialise the record with time/pid/hostname bindings, one write(2) per line).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import type { EntryInput } from '../../sandbox/log/entry.js';

const count = Number(process.argv[2] ?? 200_000);
const dir = fs.mkdtempSync(path.join(process.env['BENCH_DIR'] ?? os.tmpdir(), 'airlock-bench-'));

function entryAt(i: number): EntryInput {
  return i % 2 === 0
    ? { kind: 'decision', task: 't1', action: 'fs.write', target: `src/file${i}.ts`, verdict: 'allow', decidedBy: 'policy', rule: { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.write.allow[0]', pattern: 'src/**' } }
    : { kind: 'outcome', task: 't1', action: 'fs.write', target: `src/file${i}.ts`, outcome: 'done', ref: i, durationMs: 3, digests: { content: 'sha256:0f343b0931126a20f133d67c2b018a3b5e1b7c3f4fa6e2e3e7c6b2bb1d0c5f7a' } };
}

/** CPU time (user + system) in ms: on a shared machine, wall time mostly measures the neighbours. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function pinoLike(): number {
  const fd = fs.openSync(path.join(dir, 'pino.jsonl'), 'a');
  const bindings = `{"level":30,"pid":${process.pid},"hostname":${JSON.stringify(os.hostname())}`;
  const t0 = cpuMs();
  for (let i = 0; i < count; i++) {
    const line = `${bindings},"time":${Date.now()},${JSON.stringify(entryAt(i)).slice(1)}\n`;
    fs.writeSync(fd, line);
  }
  const ms = cpuMs() - t0;
  fs.closeSync(fd);
  return count / (ms / 1000);
}

function airlock(): number {
  const log = ActionLog.open({ file: path.join(dir, `airlock-${Math.random()}.jsonl`), session: 'bench', policyHash: 'p', keyDir: path.join(dir, 'keys'), checkpointEvery: Number(process.env['CP'] ?? 4096) });
  const t0 = cpuMs();
  for (let i = 0; i < count; i++) log.append(entryAt(i));
  const ms = cpuMs() - t0;
  log.close();
  return count / (ms / 1000);
}

// Warm up both paths, then alternate to share the machine's noise fairly.
pinoLike(); airlock();
const base: number[] = [];
const ours: number[] = [];
for (let r = 0; r < 3; r++) { base.push(pinoLike()); ours.push(airlock()); }
const best = (xs: number[]) => Math.max(...xs);
console.log(`per CPU second: pino-like ${Math.round(best(base))} entries/s; airlock ${Math.round(best(ours))} entries/s; ratio ${(best(ours) / best(base)).toFixed(2)}`);
fs.rmSync(dir, { recursive: true, force: true });
