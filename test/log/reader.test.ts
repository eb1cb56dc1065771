// Reading a log: filters (task, verdict, action, time, kinds), a torn tail skipped, and following a growing log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import { followLog, readLog, type LogFilter } from '../../sandbox/log/reader.js';
import type { LogEntry } from '../../sandbox/log/entry.js';
import { tempDir } from './helpers.js';

async function collect(file: string, filter?: LogFilter): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLog(file, filter)) out.push(e);
  return out;
}

describe('log reader', () => {
  let dir: string;
  let file: string;
  let keyDir: string;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'r.jsonl');
    keyDir = path.join(dir, 'keys');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeSample(): void {
    const log = ActionLog.open({ file, session: 's', policyHash: 'p'.repeat(64), keyDir });
    log.append({ kind: 'task.start', task: 'a' });
    log.append({ kind: 'decision', task: 'a', action: 'fs.write', target: 'x', verdict: 'allow', decidedBy: 'policy' });
    log.append({ kind: 'decision', task: 'a', action: 'net.fetch', target: 'http://127.0.0.1/', verdict: 'deny', decidedBy: 'policy' });
    log.append({ kind: 'decision', task: 'b', action: 'fs.write', target: 'y', verdict: 'deny', decidedBy: 'user' });
    log.close();
  }

  it('streams every entry in order, with hashes', async () => {
    writeSample();
    const all = await collect(file);
    assert.deepEqual(all.map((e) => e.seq), all.map((_, i) => i + 1));
    assert.ok(all.every((e) => /^[0-9a-f]{64}$/.test(e.hash)));
  });

  it('filters by task, verdict, action and kinds, combined', async () => {
    writeSample();
    assert.deepEqual((await collect(file, { task: 'a' })).map((e) => e.kind), ['task.start', 'decision', 'decision']);
    assert.deepEqual((await collect(file, { verdict: 'deny' })).map((e) => e.target), ['http://127.0.0.1/', 'y']);
    assert.deepEqual((await collect(file, { action: 'fs.write', verdict: 'deny' })).map((e) => e.task), ['b']);
    assert.deepEqual((await collect(file, { kinds: ['session.start', 'session.end'] })).map((e) => e.kind), ['session.start', 'session.end']);
  });

  it('filters by time: since and until are inclusive bounds on ts', async () => {
    writeSample();
    const all = await collect(file);
    const pivot = new Date(Date.parse((all[2] as LogEntry).ts));
    const since = await collect(file, { since: pivot });
    const until = await collect(file, { until: pivot });
    assert.ok(since.every((e) => Date.parse(e.ts) >= pivot.getTime()) && since.length >= 1);
    assert.ok(until.every((e) => Date.parse(e.ts) <= pivot.getTime()) && until.length >= 3);
    assert.equal((await collect(file, { since: new Date(Date.now() + 60_000) })).length, 0);
  });

  it('skips a torn last line (an append in progress or a crash) instead of failing', async () => {
    writeSample();
    const n = (await collect(file)).length;
    fs.appendFileSync(file, 'abc {"kind":');
    assert.equal((await collect(file)).length, n);
  });

  it('follows a log: existing entries first, then each appended entry, until aborted', async () => {
    const log = ActionLog.open({ file, session: 's', policyHash: 'p'.repeat(64), keyDir });
    log.append({ kind: 'task.start', task: 'f' });
    const seen: LogEntry[] = [];
    const stop = new AbortController();
    const done = followLog(file, { task: 'f' }, (e) => seen.push(e), stop.signal, 10);
    const waitFor = async (n: number) => {
      for (let i = 0; i < 500 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    await waitFor(1);
    log.append({ kind: 'decision', task: 'f', action: 'exec', target: 'ls', verdict: 'allow', decidedBy: 'policy' });
    log.append({ kind: 'decision', task: 'other', action: 'exec', target: 'ls', verdict: 'allow', decidedBy: 'policy' });
    log.append({ kind: 'task.end', task: 'f' });
    await waitFor(3);
    stop.abort();
    await done;
    log.close();
    assert.deepEqual(seen.map((e) => e.kind), ['task.start', 'decision', 'task.end']);
  });

  it('follows a log that does not exist yet', async () => {
    const seen: LogEntry[] = [];
    const stop = new AbortController();
    const done = followLog(file, {}, (e) => seen.push(e), stop.signal, 10);
    await new Promise((r) => setTimeout(r, 30));
    const log = ActionLog.open({ file, session: 's', policyHash: 'p'.repeat(64), keyDir });
    for (let i = 0; i < 500 && seen.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    await done;
    log.close();
    assert.equal(seen[0]?.kind, 'session.start');
  });
});
