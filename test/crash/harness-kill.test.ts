// Crash test: a harness killed at any moment leaves no file change without its decision on disk, and logs that verify or only have a torn tail the next open recovers.
// SIGKILLs the real `airlock host` repeatedly while it writes and reads files, then checks the disk against the logs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { parseLine } from '../../sandbox/log/format.js';
import type { LogEntry } from '../../sandbox/log/entry.js';
import { PROTOCOL_VERSION, type ActionResult, type InitializeResult, type TaskInfo } from '../../sandbox/protocol/protocol.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { RawPeer } from '../support/rawPeer.js';

const POLICY = {
  version: 1,
  default: 'deny',
  fs: { read: { allow: ['out/**', 'src/**'] }, write: { allow: ['out/**'] } },
};
const SCOPE = { fs: { read: { allow: ['out/**', 'src/**'] }, write: { allow: ['out/**'] } } };
const ROUNDS = 8;
const WORKERS = 4;

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with AIRLOCK_CRASH_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const contentOf = (name: string) => `${name}\n`.repeat(40);

/** The whole lines of a log (a torn tail is not an entry: the writer never returned for it). */
function wholeEntries(file: string): LogEntry[] {
  const text = fs.readFileSync(file, 'utf8');
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  return whole.split('\n').filter((l) => l !== '').map((l, i) => parseLine(l, i + 1));
}

/** Files below `dir`, workspace-relative with `/`. */
function filesUnder(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
}

describe('crash: the harness SIGKILLed under load', function () {
  this.timeout(120_000);
  let ws: TempWorkspace;
  let harness: RawPeer | undefined;
  afterEach(() => {
    harness?.kill();
    harness = undefined;
    ws.cleanup();
  });

  it(`killed ${ROUNDS} times mid-stream: every file on disk has its allowed decision logged, every log verifies or is recovered`, async () => {
    const seed = Number(process.env['AIRLOCK_CRASH_SEED'] ?? Date.now() % 2 ** 31);
    const random = prng(seed);
    const ctx = `(seed ${seed}; rerun with AIRLOCK_CRASH_SEED=${seed})`;
    ws = makeWorkspace({ 'src/seed.txt': 'seed\n' }, POLICY);
    const logDir = path.join(ws.stateDir, 'logs');
    const keyDir = path.join(ws.stateDir, 'keys');
    const written = new Map<string, number>(); // name → round, for writes the harness confirmed done

    for (let round = 1; round <= ROUNDS; round++) {
      harness = new RawPeer(ws.stateDir);
      const h = harness;
      const init = await h.rpc<InitializeResult>('initialize', { protocolVersion: PROTOCOL_VERSION, clientName: 'crash-test', workspaceRoot: ws.root, logDir });
      assert.ok(init.policy, `round ${round}: the policy loads ${ctx}`);
      const task = await h.rpc<TaskInfo>('task/start', { intent: `crash round ${round}`, scope: SCOPE });
      const run = (request: Record<string, unknown>) => h.rpc<ActionResult>('action/run', { taskId: task.id, request });
      // Kill after a random number of confirmed writes plus a random delay, so the kill lands at a different point each time.
      const killAfterWrites = 1 + Math.floor(random() * 25);
      const extraDelayMs = Math.floor(random() * 40);
      let confirmed = 0;
      let dead = false;
      let killed!: () => void;
      const killNow = new Promise<void>((r) => { killed = r; });
      let next = 0;
      const worker = async (w: number) => {
        while (!dead) {
          const name = `out/r${round}/w${w}-${next++}.txt`;
          try {
            const res = await run({ action: 'fs.write', path: name, content: contentOf(name) });
            assert.equal(res.outcome, 'done', `round ${round}: ${name} was not written: ${res.error?.message} ${ctx}`);
            written.set(name, round);
            if (++confirmed === killAfterWrites) killed();
            const back = await run({ action: 'fs.read', path: name });
            assert.equal(back.result, contentOf(name), `round ${round}: ${name} reads back wrong ${ctx}`);
          } catch (err) {
            if (dead) return; // the request died with the harness
            throw err;
          }
        }
      };
      const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
      await Promise.race([killNow, ...workers]);
      await new Promise((r) => setTimeout(r, extraDelayMs));
      dead = true;
      h.kill();
      const exit = await h.exited; // requests in flight reject
      assert.equal(exit.signal, 'SIGKILL', `round ${round}: the harness was not killed but exited with ${exit.code} ${ctx}`);
      await Promise.all(workers);
      harness = undefined;
    }

    const logs = fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(logDir, f));
    assert.equal(logs.length, ROUNDS, `one log per harness session ${ctx}`);

    // 1. Every file change on disk has its decision, allowed, in a whole line of some log.
    const allowedWrites = new Set<string>();
    for (const file of logs) {
      for (const e of wholeEntries(file)) {
        if (e.kind === 'decision' && e.action === 'fs.write' && (e.data as { allowed?: unknown } | undefined)?.allowed === true && e.target) allowedWrites.add(e.target);
      }
    }
    const onDisk = filesUnder(ws.root, 'out');
    assert.ok(onDisk.length >= ROUNDS, `the harness wrote files before each kill ${ctx}`);
    for (const name of onDisk) {
      assert.ok(allowedWrites.has(name), `${name} is on disk but no log holds an allowed fs.write decision for it ${ctx}`);
      const text = fs.readFileSync(path.join(ws.root, name), 'utf8');
      assert.ok(contentOf(name).startsWith(text), `${name} holds bytes nobody wrote ${ctx}`);
    }
    for (const [name, round] of written) assert.ok(onDisk.includes(name), `round ${round}: ${name} was confirmed written but is not on disk ${ctx}`);

    // 2. Every log verifies, or has only a torn tail; the next open recovers it (taking over the dead writer's lock).
    // A SIGKILL never tears a write(2), but a power loss can: tear one log's last line too, so recovery is always exercised.
    const tornByHand = logs[Math.floor(random() * logs.length)]!;
    const size = fs.statSync(tornByHand).size;
    fs.truncateSync(tornByHand, size - 1 - Math.floor(random() * 20));
    let recovered = 0;
    for (const file of logs) {
      const before = verifyLog(file, { keyDir });
      const torn = !before.ok;
      if (torn) {
        assert.ok(before.problem?.kind === 'torn-line' || before.problem?.kind === 'truncated',
          `${path.basename(file)}: ${before.problem?.kind}: ${before.problem?.message} ${ctx}`);
      }
      const entriesBefore = wholeEntries(file).length;
      const log = ActionLog.open({ file, session: 'after-crash', policyHash: 'd'.repeat(64), keyDir });
      log.close();
      const after = verifyLog(file, { keyDir });
      assert.equal(after.ok, true, `${path.basename(file)} after reopening: ${after.problem?.message} ${ctx}`);
      const entries = wholeEntries(file);
      assert.deepEqual(entries.slice(0, entriesBefore).map((e) => e.seq), entries.slice(0, entriesBefore).map((_, i) => i + 1), 'the chain continues in order');
      if (torn) {
        assert.ok(entries.some((e) => e.kind === 'recovery'), `${path.basename(file)}: the recovery is logged ${ctx}`);
        recovered++;
      }
      if (file === tornByHand) assert.ok(torn, `the log torn by hand was reported ${ctx}`);
    }
    assert.ok(recovered >= 1, `at least the log torn by hand was recovered ${ctx}`);
  });
});
