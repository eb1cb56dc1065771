// kill() and dispose(): a running script ends as killed at once, pending host calls can no longer reach the host,
// and later runs get a fresh isolate.

import assert from 'node:assert/strict';
import { TaskIsolate } from '../../sandbox/isolate/runtime.js';
import { RecordingHost, deferred, errorOf, sleep, valueOf } from './support.js';
import type { JsonValue } from '../../sandbox/isolate/types.js';

const LIMITS = { memoryMb: 32, cpuMs: 10000, wallMs: 20000 };

describe('isolate runtime: kill', () => {
  let task: TaskIsolate;
  beforeEach(() => {
    task = new TaskIsolate(LIMITS);
  });
  afterEach(() => task.dispose());

  it('kills a busy-looping script promptly, and the next run works', async () => {
    const host = new RecordingHost();
    const running = task.run(`await airlock.exec(['started']); for (;;) {}`, host);
    await host.reached(1);
    await sleep(20);
    task.kill('stopped by the user');
    const outcome = await running;
    assert.deepEqual(errorOf(outcome), { code: 'script.killed', message: 'the script was killed: stopped by the user' });
    assert.ok(outcome.wallMs < LIMITS.wallMs, 'killed before any limit');
    assert.equal(task.disposed, false);
    assert.equal(valueOf(await task.run(`return 'fresh';`, host)), 'fresh');
  });

  it('kills a script awaiting a host call; the late result is dropped and no later call reaches the host', async () => {
    const first = deferred<JsonValue>();
    const host = new RecordingHost((_name, args) => (args[0] === 'a' ? first.promise : 'later'));
    const running = task.run(`const a = await airlock.fs.readFile('a'); await airlock.fs.readFile('b'); return a;`, host);
    await host.reached(1);
    task.kill('kill switch');
    assert.equal(errorOf(await running).code, 'script.killed');
    first.resolve('late content');
    await sleep(50);
    assert.deepEqual(host.calls.map((c) => c.args[0]), ['a']);
    assert.equal(valueOf(await task.run(`return await airlock.fs.readFile('c');`, host)), 'later');
  });

  it('kills a script whose un-awaited call is pending; the call chained on it never reaches the host', async () => {
    const first = deferred<JsonValue>();
    const host = new RecordingHost((_name, args) => (args[0] === 'a' ? first.promise : 'x'));
    const running = task.run(`airlock.fs.readFile('a').then(() => airlock.fs.writeFile('b', 'x')); await null; return 'returned';`, host);
    await host.reached(1);
    task.kill('test');
    assert.equal(errorOf(await running).code, 'script.killed');
    first.resolve('late');
    await sleep(50);
    assert.deepEqual(host.calls.map((c) => c.name), ['fs.readFile']);
  });

  it('finishes fire-and-forget calls inside the run: nothing reaches the host after the outcome', async () => {
    const host = new RecordingHost(async () => {
      await sleep(20);
      return null;
    });
    const outcome = await task.run(`airlock.fs.readFile('a').then(() => airlock.fs.writeFile('b', 'x')); return 'returned';`, host);
    assert.equal(valueOf(outcome), 'returned');
    const callsAtOutcome = host.calls.map((c) => c.name);
    await sleep(60);
    assert.deepEqual(host.calls.map((c) => c.name), callsAtOutcome);
  });

  it('kills scripts queued before the kill, but not ones queued after', async () => {
    const host = new RecordingHost();
    const running = task.run(`await airlock.exec(['started']); for (;;) {}`, host);
    const queued = task.run(`return 'queued';`, host);
    await host.reached(1);
    task.kill('stop all');
    const after = task.run(`return 'after';`, host);
    assert.equal(errorOf(await running).code, 'script.killed');
    assert.deepEqual(errorOf(await queued), { code: 'script.killed', message: 'the script was killed before it started: stop all' });
    assert.equal(valueOf(await after), 'after');
  });

  it('is idempotent, and killing an idle task is harmless', async () => {
    task.kill('idle');
    task.kill('idle again');
    assert.equal(valueOf(await task.run(`return 1;`, new RecordingHost())), 1);
    const running = task.run(`for (;;) {}`, new RecordingHost());
    await sleep(30);
    task.kill('first');
    task.kill('second');
    assert.deepEqual(errorOf(await running), { code: 'script.killed', message: 'the script was killed: first' });
  });

  it('dispose() kills the running script and refuses later runs', async () => {
    const running = task.run(`for (;;) {}`, new RecordingHost());
    await sleep(30);
    task.dispose();
    assert.equal(errorOf(await running).code, 'script.killed');
    assert.equal(task.disposed, true);
    const host = new RecordingHost();
    const later = await task.run(`await airlock.fs.stat('x'); return 1;`, host);
    assert.equal(errorOf(later).code, 'script.killed');
    assert.equal(host.calls.length, 0);
  });
});
