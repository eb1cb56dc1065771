// Limits on real isolates: CPU (also after awaits), memory, and wall-clock time including time spent awaiting the host.
// Each over-limit script ends with a clear error, and the same TaskIsolate serves the next script.

import assert from 'node:assert/strict';
import { TaskIsolate } from '../../sandbox/isolate/runtime.js';
import { RecordingHost, errorOf, valueOf } from './support.js';

describe('isolate runtime: limits', () => {
  const tasks: TaskIsolate[] = [];
  const task = (limits: { memoryMb: number; cpuMs: number; wallMs: number }): TaskIsolate => {
    const t = new TaskIsolate(limits);
    tasks.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of tasks.splice(0)) t.dispose();
  });

  it('ends an infinite loop with a CPU-limit error naming the limit, then runs the next script', async () => {
    const t = task({ memoryMb: 32, cpuMs: 200, wallMs: 5000 });
    const host = new RecordingHost();
    const outcome = await t.run(`for (;;) {}`, host);
    assert.deepEqual(errorOf(outcome), { code: 'script.cpu-limit', message: 'script exceeded its 200 ms CPU limit' });
    assert.ok(outcome.cpuMs >= 200);
    assert.equal(valueOf(await t.run(`return 6 * 7;`, host)), 42);
  });

  it('enforces the CPU limit on code that runs after awaiting a host call', async () => {
    const t = task({ memoryMb: 32, cpuMs: 200, wallMs: 5000 });
    const host = new RecordingHost();
    const outcome = await t.run(`await airlock.fs.stat('a'); for (;;) {}`, host);
    assert.equal(errorOf(outcome).code, 'script.cpu-limit');
    assert.equal(host.calls.length, 1);
  });

  it('enforces the CPU limit on a microtask flood', async () => {
    const t = task({ memoryMb: 32, cpuMs: 200, wallMs: 5000 });
    const outcome = await t.run(`const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});`, new RecordingHost());
    assert.equal(errorOf(outcome).code, 'script.cpu-limit');
    assert.equal(valueOf(await t.run(`return 'alive';`, new RecordingHost())), 'alive');
  });

  it('ends a memory bomb with a memory-limit error; the host survives and the next script works', async () => {
    const t = task({ memoryMb: 16, cpuMs: 10000, wallMs: 20000 });
    const host = new RecordingHost();
    const outcome = await t.run(`const hoard = []; for (;;) hoard.push(new Array(100000).fill('x' + hoard.length));`, host);
    assert.deepEqual(errorOf(outcome), { code: 'script.memory-limit', message: 'script exceeded its 16 MB memory limit' });
    assert.equal(valueOf(await t.run(`return [1, 2, 3].map((x) => x * 2);`, host))?.toString(), '2,4,6');
  });

  it('ends a string-doubling bomb without harming the host', async () => {
    const t = task({ memoryMb: 16, cpuMs: 10000, wallMs: 20000 });
    const outcome = await t.run(`let s = 'x'; const keep = []; for (;;) { s = s + s; keep.push(s + '!'); }`, new RecordingHost());
    assert.ok(!outcome.ok);
    assert.match(outcome.error.code, /^script\.(memory-limit|error)$/);
    assert.equal(valueOf(await t.run(`return 'alive';`, new RecordingHost())), 'alive');
  });

  it('ends an endless loop of host calls at the wall-clock limit', async () => {
    const t = task({ memoryMb: 32, cpuMs: 10000, wallMs: 500 });
    const host = new RecordingHost(async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return null;
    });
    const outcome = await t.run(`for (;;) await airlock.fs.stat('x');`, host);
    assert.deepEqual(errorOf(outcome), {
      code: 'script.wall-limit',
      message: 'script exceeded its 500 ms wall-clock limit (time spent awaiting airlock calls counts)',
    });
    assert.ok(host.calls.length > 1);
    const callsAtEnd = host.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(host.calls.length, callsAtEnd, 'no host call after the script ended');
  });

  it('ends a script awaiting a host call that never resolves at the wall-clock limit', async () => {
    const t = task({ memoryMb: 32, cpuMs: 10000, wallMs: 300 });
    const outcome = await t.run(`await airlock.net.fetch('http://127.0.0.1:1/');`, new RecordingHost(() => new Promise(() => {})));
    assert.equal(errorOf(outcome).code, 'script.wall-limit');
    assert.equal(valueOf(await t.run(`return 1;`, new RecordingHost())), 1);
  });

  it('ends a script awaiting a promise that never resolves at the wall-clock limit', async () => {
    const t = task({ memoryMb: 32, cpuMs: 10000, wallMs: 300 });
    const outcome = await t.run(`console.log('waiting'); await new Promise(() => {});`, new RecordingHost());
    assert.equal(errorOf(outcome).code, 'script.wall-limit');
    assert.deepEqual(outcome.console, [{ level: 'log', text: 'waiting' }]);
  });

  it('keeps serving other tasks while one task is over its limits', async () => {
    const busy = task({ memoryMb: 32, cpuMs: 300, wallMs: 5000 });
    const other = task({ memoryMb: 32, cpuMs: 2000, wallMs: 5000 });
    const host = new RecordingHost();
    const [spin, work] = await Promise.all([busy.run(`for (;;) {}`, host), other.run(`return await airlock.fs.readFile('a');`, host)]);
    assert.equal(errorOf(spin).code, 'script.cpu-limit');
    assert.deepEqual(valueOf(work), { name: 'fs.readFile', args: ['a'] });
  });
});
