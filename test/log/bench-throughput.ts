// Benchmark (not a test): ActionLog.append throughput against pino with a sync destination (no hashing).
// Run: npx tsx test/log/bench-throughput.ts [entries]. When pino is installed it is measured; otherwise a pino-like
// floor is: what pino's sync destination does at the least per call (serialise the record with time/pid/hostname
// bindings, one write(2) per line), which is faster than pino itself, so the ratio printed is then a lower bound.
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

/** Real pino, if it can be imported: `pino(pino.destination({ dest, sync: true }))`. */
async function realPino(): Promise<(() => number) | undefined> {
  const name = 'pino';
  let pino: { default: (dest: unknown) => { info(o: object): void; flush?(): void }; destination(o: object): unknown } | undefined;
  try {
    pino = await import(name);
  } catch {
    return undefined;
  }
  const mod = pino as NonNullable<typeof pino>;
  return () => {
    const dest = (mod.default as unknown as { destination(o: object): unknown }).destination({ dest: path.join(dir, `pino-${Math.random()}.jsonl`), sync: true });
    const logger = mod.default(dest);
    const t0 = cpuMs();
    for (let i = 0; i < count; i++) logger.info(entryAt(i));
    const ms = cpuMs() - t0;
    return count / (ms / 1000);
  };
}

const real = await realPino();
const baseline = real ?? pinoLike;
const baselineName = real ? 'pino (sync destination)' : 'pino-like floor (pino not installed)';

// Warm up both paths, then alternate to share the machine's noise fairly.
baseline(); airlock();
const base: number[] = [];
const ours: number[] = [];
const floor: number[] = [];
for (let r = 0; r < 3; r++) { base.push(baseline()); ours.push(airlock()); if (real) floor.push(pinoLike()); }
const best = (xs: number[]) => Math.max(...xs);
console.log(`per CPU second: ${baselineName} ${Math.round(best(base))} entries/s; airlock ${Math.round(best(ours))} entries/s; ratio ${(best(ours) / best(base)).toFixed(2)}`);
if (real) console.log(`(for reference, the floor of any JSON logger here: stringify + write(2) per line: ${Math.round(best(floor))} entries/s)`);
fs.rmSync(dir, { recursive: true, force: true });
