// Real harness processes: SIGKILL while appending (repeatedly) and the recovery after it; concurrent sessions.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ActionLog } from '../../sandbox/log/writer.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { parseLine } from '../../sandbox/log/format.js';
import { AirlockError } from '../../sandbox/errors.js';
import type { LogEntry } from '../../sandbox/log/entry.js';
import { linesOf, tempDir } from './helpers.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function start(fixture: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', path.join(fixtures, fixture), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let errText = '';
    child.stderr?.on('data', (d: Buffer) => { errText += d.toString(); });
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => pattern.test(l));
      if (m) resolve(m);
    });
    child.on('exit', (code) => reject(new Error(`fixture exited (${code}) before ${pattern}: ${errText}`)));
  });
}

const exited = (child: ChildProcess) => new Promise<void>((r) => { if (child.exitCode !== null || child.signalCode !== null) r(); else child.on('exit', () => r()); });

function entriesOf(file: string): LogEntry[] {
  const text = fs.readFileSync(file);
  return linesOf(text).filter((_, i, all) => i < all.length - 1 || text.at(-1) === 10).map((l, i) => parseLine(l, i + 1));
}

describe('log under real processes', function () {
  this.timeout(90_000);
  let dir: string;
  let keyDir: string;
  beforeEach(() => {
    dir = tempDir();
    keyDir = path.join(dir, 'keys');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a harness SIGKILLed while appending (5 times) leaves at most a torn tail, and each next open recovers it', async () => {
    const file = path.join(dir, 'killed.jsonl');
    let tornSeen = 0;
    for (let round = 1; round <= 5; round++) {
      const child = start('append-loop.ts', [file, keyDir, `round${round}`]);
      await waitForLine(child, /^ready /);
      await new Promise((r) => setTimeout(r, 20 + round * 15)); // kill at a different point of the loop each time
      child.kill('SIGKILL');
      await exited(child);
      if (round === 3) {
        // A power loss can also tear the write in flight: only the first part of its line reaches the disk.
        const lastLine = linesOf(fs.readFileSync(file)).at(-1) as string;
        fs.appendFileSync(file, lastLine.slice(0, Math.floor(lastLine.length / 2)));
      }
      const report = verifyLog(file, { keyDir });
      assert.ok(report.ok || report.problem?.kind === 'torn-line', `round ${round}: ${report.problem?.kind}: ${report.problem?.message}`);
      if (!report.ok) tornSeen++;
      const decisions = entriesOf(file).filter((e) => e.kind === 'decision' && e.session === `round${round}`);
      assert.ok(decisions.length > 0, `round ${round} wrote decisions`);
    }
    assert.ok(tornSeen >= 1, 'round 3 left a torn line');
    // The next open recovers: the torn tail is cut and logged, the chain continues, and the file verifies.
    const log = ActionLog.open({ file, session: 'after', policyHash: 'b'.repeat(64), keyDir });
    log.close();
    const report = verifyLog(file, { keyDir });
    assert.equal(report.ok, true, report.problem?.message);
    const all = entriesOf(file);
    assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i + 1));
    assert.equal(all.filter((e) => e.kind === 'session.start').length, 6, 'every round and the last open started a session in one chain');
    assert.equal(all.filter((e) => e.kind === 'recovery' && e.data?.['tornLine']).length, tornSeen, 'every torn tail was recovered and logged');
    // Every outcome in the file has its decision before it.
    const seqs = new Set<number>();
    for (const e of all) {
      if (e.kind === 'outcome') assert.ok(e.ref !== undefined && seqs.has(e.ref), `outcome ${e.seq} without its decision`);
      seqs.add(e.seq);
    }
  });

  it('runs concurrent sessions in separate files, each its own intact chain', async () => {
    const files = ['one', 'two', 'three'].map((s) => path.join(dir, 'logs', `${s}.jsonl`));
    const children = files.map((f, i) => start('append-loop.ts', [f, keyDir, `session-${i}`, '400']));
    await Promise.all(children.map((c) => waitForLine(c, /^done$/)));
    await Promise.all(children.map(exited));
    files.forEach((f, i) => {
      const report = verifyLog(f, { keyDir });
      assert.equal(report.ok, true, `${f}: ${report.problem?.message}`);
      const sessions = new Set(entriesOf(f).map((e) => e.session));
      assert.deepEqual([...sessions], [`session-${i}`], 'no other session interleaves in this chain');
      assert.equal(entriesOf(f).filter((e) => e.kind === 'decision').length, 400);
    });
  });

  it('refuses a second writer on a file another live process is writing', async () => {
    const file = path.join(dir, 'held.jsonl');
    const holder = start('hold-lock.ts', [file, keyDir]);
    try {
      await waitForLine(holder, /^ready$/);
      assert.throws(
        () => ActionLog.open({ file, session: 'intruder', policyHash: 'd'.repeat(64), keyDir }),
        (e: AirlockError) => e.code === 'log.locked' && e.message.includes(String(holder.pid)),
      );
    } finally {
      holder.stdin?.end();
      await exited(holder);
    }
    const report = verifyLog(file, { keyDir });
    assert.equal(report.ok, true, report.problem?.message);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('intruder'));
  });

  it('a write that fails (file too large / disk full) is refused as log.write-failed and leaves no partial line', async () => {
    const file = path.join(dir, 'full.jsonl');
    // ulimit -f caps the file size, so write(2) fails part-way through a line, as on a full disk.
    const child = spawn('bash', ['-c', 'ulimit -f 100; exec "$0" "$@"', process.execPath, '--no-node-snapshot', '--import', 'tsx', path.join(fixtures, 'disk-full.ts'), file, keyDir], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
    });
    const line = await waitForLine(child, /^(log\.|never)/);
    await exited(child);
    const [code, lastSeq] = line.split(' ');
    assert.equal(code, 'log.write-failed');
    const report = verifyLog(file, { keyDir });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.entries, Number(lastSeq), 'every entry append returned for is whole in the file, nothing more');
  });
});
