// The airlock API inside an isolate: each capability reaches the host with its arguments, results and host errors
// come back, console is captured, return values, syntax and thrown errors are reported with the agent's line numbers.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { TaskIsolate } from '../../sandbox/isolate/runtime.js';
import { AirlockError } from '../../sandbox/errors.js';
import { RecordingHost, errorOf, tempDir, valueOf } from './support.js';

const LIMITS = { memoryMb: 32, cpuMs: 2000, wallMs: 5000 };

describe('isolate runtime: the airlock API', () => {
  let task: TaskIsolate;
  beforeEach(() => {
    task = new TaskIsolate(LIMITS);
  });
  afterEach(() => task.dispose());

  it('routes every capability to the host with the arguments the script gave', async () => {
    const host = new RecordingHost();
    const outcome = await task.run(`
      const results = [];
      results.push(await airlock.fs.readFile('src/a.ts', { encoding: 'utf8' }));
      results.push(await airlock.fs.writeFile('out/b.txt', 'hello'));
      results.push(await airlock.fs.list('src'));
      results.push(await airlock.fs.stat('src/a.ts'));
      results.push(await airlock.fs.delete('out/b.txt'));
      results.push(await airlock.fs.mkdir('out/dir'));
      results.push(await airlock.net.fetch('http://127.0.0.1:1/x', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }));
      results.push(await airlock.exec(['git', 'status'], { cwd: 'src', timeoutMs: 1000, input: 'y' }));
      return results;
    `, host);
    const expected = [
      { name: 'fs.readFile', args: ['src/a.ts', { encoding: 'utf8' }] },
      { name: 'fs.writeFile', args: ['out/b.txt', 'hello'] },
      { name: 'fs.list', args: ['src'] },
      { name: 'fs.stat', args: ['src/a.ts'] },
      { name: 'fs.delete', args: ['out/b.txt'] },
      { name: 'fs.mkdir', args: ['out/dir'] },
      { name: 'net.fetch', args: ['http://127.0.0.1:1/x', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }] },
      { name: 'exec', args: [['git', 'status'], { cwd: 'src', timeoutMs: 1000, input: 'y' }] },
    ];
    assert.deepEqual(host.calls, expected);
    assert.deepEqual(valueOf(outcome), expected); // each host result came back into the script intact
  });

  it('returns real file contents read by the host, text and binary-as-base64', async () => {
    const tmp = tempDir();
    try {
      fs.writeFileSync(path.join(tmp.dir, 'a.txt'), 'café\nline 2');
      fs.writeFileSync(path.join(tmp.dir, 'b.bin'), Buffer.from([0, 255, 1, 254]));
      const host = new RecordingHost((_name, args) => {
        const file = path.join(tmp.dir, String(args[0]));
        const encoding = (args[1] as { encoding?: 'utf8' | 'base64' } | undefined)?.encoding ?? 'utf8';
        return fs.readFileSync(file).toString(encoding);
      });
      const value = valueOf(await task.run(`
        const text = await airlock.fs.readFile('a.txt', { encoding: 'utf8' });
        const bin = await airlock.fs.readFile('b.bin', { encoding: 'base64' });
        return { lines: text.split('\\n'), bin };
      `, host));
      assert.deepEqual(value, { lines: ['café', 'line 2'], bin: Buffer.from([0, 255, 1, 254]).toString('base64') });
    } finally {
      tmp.remove();
    }
  });

  it('runs calls started together concurrently on the host (Promise.all is not serialised)', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const host = new RecordingHost(async (_name, args) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
      return args[0] ?? null;
    });
    const value = valueOf(await task.run(`return Promise.all(['a', 'b', 'c'].map((p) => airlock.fs.stat(p)));`, host));
    assert.deepEqual(value, ['a', 'b', 'c']);
    assert.equal(maxInFlight, 3);
  });

  it('rejects a denied call inside the script with the host message and code, and the script can go on', async () => {
    const denial = 'Airlock denied fs.write "package.json": workspace policy fs.write.deny[0] "package.json"';
    const host = new RecordingHost((name) => {
      if (name === 'fs.writeFile') throw new AirlockError({ code: 'fs.denied', message: denial });
      return 'ok';
    });
    const value = valueOf(await task.run(`
      let caught;
      try { await airlock.fs.writeFile('package.json', '{}'); } catch (e) {
        caught = { message: e.message, code: e.code, isError: e instanceof Error };
      }
      return { caught, after: await airlock.fs.readFile('README.md') };
    `, host));
    assert.deepEqual(value, { caught: { message: denial, code: 'fs.denied', isError: true }, after: 'ok' });
  });

  it('reports an uncaught denial as a script error carrying the host message', async () => {
    const host = new RecordingHost(() => {
      throw new AirlockError({ code: 'exec.denied', message: 'Airlock denied exec ["rm","-rf","/"]: builtin deny' });
    });
    const error = errorOf(await task.run(`await airlock.exec(['rm', '-rf', '/']);`, host));
    assert.equal(error.code, 'script.error');
    assert.match(error.message, /Airlock denied exec \["rm","-rf","\/"\]: builtin deny/);
    assert.match(error.message, /exec\.denied/);
  });

  it('gives a host rejection without a code the code capability.error', async () => {
    const host = new RecordingHost(() => Promise.reject(new Error('disk on fire')));
    const value = valueOf(await task.run(`try { await airlock.fs.stat('x'); } catch (e) { return [e.message, e.code]; }`, host));
    assert.deepEqual(value, ['disk on fire', 'capability.error']);
  });

  it('captures console.log/warn/error in order, formatting objects as JSON', async () => {
    const outcome = await task.run(`
      console.log('one', 2, { three: [3] });
      console.warn('careful');
      console.error(new Error('bad'));
      return null;
    `, new RecordingHost());
    assert.deepEqual(outcome.console, [
      { level: 'log', text: 'one 2 {"three":[3]}' },
      { level: 'warn', text: 'careful' },
      { level: 'error', text: 'Error: bad' },
    ]);
  });

  it('keeps console lines written before the script failed', async () => {
    const outcome = await task.run(`console.log('before'); throw new Error('after');`, new RecordingHost());
    assert.equal(errorOf(outcome).code, 'script.error');
    assert.deepEqual(outcome.console, [{ level: 'log', text: 'before' }]);
  });

  it('caps a console flood in count and line length', async () => {
    const outcome = await task.run(`
      console.log('y'.repeat(100000));
      for (let i = 0; i < 50000; i++) console.log('line ' + i);
      return 'done';
    `, new RecordingHost());
    assert.equal(valueOf(outcome), 'done');
    assert.ok(outcome.console.length <= 1001, `got ${outcome.console.length} lines`);
    assert.ok(outcome.console[0]!.text.length < 10000, 'a 100,000-character line is clipped');
    assert.match(outcome.console.at(-1)!.text, /console output truncated/);
  });

  it('returns JSON values; undefined becomes null', async () => {
    const host = new RecordingHost();
    assert.equal(valueOf(await task.run(`const x = 1;`, host)), null);
    assert.equal(valueOf(await task.run(`return;`, host)), null);
    assert.deepEqual(valueOf(await task.run(`return { a: [1, 'two', true, null, { b: 2.5 }] };`, host)), { a: [1, 'two', true, null, { b: 2.5 }] });
    assert.equal(valueOf(await task.run(`return 'text';`, host)), 'text');
  });

  it('refuses results JSON cannot carry, with script.result', async () => {
    const host = new RecordingHost();
    for (const expr of ['() => 1', '10n', '(() => { const a = {}; a.self = a; return a; })()', 'new Map()', 'NaN', '[undefined]', 'Symbol("s")']) {
      const error = errorOf(await task.run(`return ${expr};`, host));
      assert.equal(error.code, 'script.result', expr);
      assert.match(error.message, /JSON|plain object/, expr);
    }
  });

  it('reports a syntax error with the line and column in the agent code', async () => {
    const error = errorOf(await task.run(`const a = 1;\nconst b = 2;\nconst c = ;\n`, new RecordingHost()));
    assert.equal(error.code, 'script.syntax');
    assert.match(error.message, /SyntaxError: Unexpected token ';' at line 3, column 11/);
  });

  it('reports a thrown error with its message and the line that threw', async () => {
    const error = errorOf(await task.run(`const a = 1;\n\nthrow new RangeError('out of range: ' + a);`, new RecordingHost()));
    assert.equal(error.code, 'script.error');
    assert.match(error.message, /RangeError: out of range: 1 \(at line 3, column 7\)/);
  });

  it('reports thrown non-errors', async () => {
    const error = errorOf(await task.run(`throw 'just a string';`, new RecordingHost()));
    assert.equal(error.code, 'script.error');
    assert.match(error.message, /just a string/);
  });

  it('validates arguments as JSON inside the isolate: nothing non-JSON reaches the host', async () => {
    const host = new RecordingHost();
    const value = valueOf(await task.run(`
      const bad = [() => 1, 10n, Symbol('s'), NaN, Infinity, new Date(0), new Map(), new Uint8Array(2),
        (() => { const a = []; a.push(a); return a; })(), [undefined], new SharedArrayBuffer(8)];
      const messages = [];
      for (const arg of bad) {
        try { await airlock.fs.writeFile('f', arg); messages.push('accepted'); } catch (e) { messages.push(e.constructor.name + ': ' + e.message); }
      }
      return messages;
    `, host));
    assert.equal(host.calls.length, 0);
    assert.ok(Array.isArray(value));
    for (const message of value) assert.match(String(message), /^(TypeError|RangeError): airlock\.fs\.writeFile argument 2/);
  });

  it('drops undefined option fields and trailing undefined arguments, as JSON does', async () => {
    const host = new RecordingHost();
    valueOf(await task.run(`await airlock.exec(['ls'], { cwd: undefined, timeoutMs: 5 }); await airlock.fs.list('.', undefined);`, host));
    assert.deepEqual(host.calls, [{ name: 'exec', args: [['ls'], { timeoutMs: 5 }] }, { name: 'fs.list', args: ['.'] }]);
  });

  it('freezes the airlock API: the script cannot replace or extend it', async () => {
    const value = valueOf(await task.run(`
      'use strict';
      const attempts = [
        () => { airlock.fs.readFile = () => 'fake'; },
        () => { airlock.exec = null; },
        () => { airlock.extra = 1; },
        () => { globalThis.airlock = {}; },
        () => { delete globalThis.airlock; },
        () => { Object.defineProperty(globalThis, 'airlock', { value: {} }); },
      ];
      return attempts.map((f) => { try { f(); return 'changed'; } catch (e) { return e.constructor.name; } })
        .concat([Object.isFrozen(airlock), Object.isFrozen(airlock.fs), Object.isFrozen(airlock.net)]);
    `, new RecordingHost()));
    assert.deepEqual(value, ['TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', true, true, true]);
  });

  it('gives each script a fresh context on the same task isolate', async () => {
    const host = new RecordingHost();
    valueOf(await task.run(`globalThis.leftover = 42; Array.prototype.polluted = true;`, host));
    assert.deepEqual(valueOf(await task.run(`return [typeof leftover, [].polluted === undefined];`, host)), ['undefined', true]);
  });

  it('runs concurrent run() calls one after the other', async () => {
    const host = new RecordingHost();
    const [a, b] = await Promise.all([
      task.run(`globalThis.mark = 'a'; await airlock.fs.stat('a'); return globalThis.mark;`, host),
      task.run(`return typeof globalThis.mark;`, host),
    ]);
    assert.equal(valueOf(a), 'a');
    assert.equal(valueOf(b), 'undefined');
  });

  it('refuses invalid limits when constructed', () => {
    assert.throws(() => new TaskIsolate({ memoryMb: 4, cpuMs: 100, wallMs: 100 }), /memoryMb/);
    assert.throws(() => new TaskIsolate({ memoryMb: 16, cpuMs: 0, wallMs: 100 }), /cpuMs/);
    assert.throws(() => new TaskIsolate({ memoryMb: 16, cpuMs: 10, wallMs: Number.NaN }), /wallMs/);
  });
});
