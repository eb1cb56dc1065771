// Escape attempts from agent scripts: none may reach a host object (process, require, the canary global, an
// isolated-vm handle). Each case runs the attempt inside a real isolate and asserts what it actually obtained.

import assert from 'node:assert/strict';
import { TaskIsolate } from '../../sandbox/isolate/runtime.js';
import { RecordingHost, errorOf, valueOf } from './support.js';
import { AirlockError } from '../../sandbox/errors.js';

const LIMITS = { memoryMb: 32, cpuMs: 2000, wallMs: 5000 };

/** In-isolate helper prepended to scripts: does a value look like an isolated-vm handle or a host object? */
const PROBE = `
  const looksLikeHostHandle = (v) => {
    if (v === null || (typeof v !== 'object' && typeof v !== 'function')) return false;
    try {
      for (let o = v; o; o = Object.getPrototypeOf(o)) {
        const names = Object.getOwnPropertyNames(o);
        if (['applySyncPromise', 'derefInto', 'copySync', 'pid', 'mainModule', 'binding'].some((n) => names.includes(n))) return true;
      }
    } catch { return false; }
    return false;
  };
`;

describe('isolate runtime: escape attempts', () => {
  let task: TaskIsolate;
  before(() => {
    (globalThis as Record<string, unknown>).__canary = { secret: 'host-canary' };
  });
  after(() => {
    delete (globalThis as Record<string, unknown>).__canary;
  });
  beforeEach(() => {
    task = new TaskIsolate(LIMITS);
  });
  afterEach(() => task.dispose());

  const run = async (code: string, host = new RecordingHost()): Promise<unknown> => valueOf(await task.run(PROBE + code, host));

  it('sees no process, require, module, host globals or the host canary', async () => {
    const value = await run(`
      return [typeof process, typeof require, typeof module, typeof Buffer, typeof setTimeout, typeof fetch,
        typeof __canary, typeof globalThis.__canary, Object.getOwnPropertyNames(globalThis).filter((n) => /canary|process|require/i.test(n))];
    `);
    assert.deepEqual(value, ['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined', []]);
  });

  it('gets only the isolate realm from constructor chains (this.constructor.constructor, async and generator functions)', async () => {
    const value = await run(`
      const attempts = {
        viaThis: () => this.constructor.constructor('return typeof process + "/" + typeof __canary')(),
        viaAsync: () => (async () => {}).constructor('return typeof process')(),
        viaGenerator: () => (function* () {}).constructor('yield typeof process')().next().value,
        viaAirlock: () => airlock.fs.readFile.constructor('return typeof process')(),
        viaConsole: () => console.log.constructor('return typeof process')(),
        reachProcess: () => this.constructor.constructor('return process')().pid,
      };
      const out = {};
      for (const [k, f] of Object.entries(attempts)) {
        try { const r = f(); out[k] = r instanceof Promise ? 'promise' : r; } catch (e) { out[k] = e.constructor.name; }
      }
      out.asyncResult = await (async () => {}).constructor('return typeof process')();
      return out;
    `);
    assert.deepEqual(value, {
      viaThis: 'undefined/undefined', viaAsync: 'promise', viaGenerator: 'undefined', viaAirlock: 'undefined',
      viaConsole: 'undefined', reachProcess: 'ReferenceError', asyncResult: 'undefined',
    });
  });

  it('gets no bridge function or handle from structured stack traces (getThis/getFunction) at any point of a call', async () => {
    const host = new RecordingHost(() => {
      throw new AirlockError({ code: 'fs.denied', message: 'Airlock denied fs.read "x"' });
    });
    const value = await run(`
      const seen = [];
      Error.stackTraceLimit = Infinity;
      Error.prepareStackTrace = (err, frames) => {
        for (const f of frames) {
          seen.push(f.getThis(), f.getFunction());
          try { seen.push(f.getTypeName(), f.getFunctionName()); } catch {}
        }
        return 'stack';
      };
      const trace = () => new Error('probe').stack;
      // Trace from inside every place where our code calls back into agent code.
      const tricky = { get path() { trace(); return 'p'; }, toJSON() { trace(); return 'j'; } };
      try { await airlock.fs.readFile(tricky); } catch (e) { e.stack; }
      try { await airlock.fs.readFile({ get a() { trace(); return 1; } }); } catch (e) { e.stack; }
      console.log({ toJSON() { trace(); return 'x'; } }, { toString() { trace(); return 's'; } });
      try { await airlock.fs.stat('x'); } catch (e) { trace(); e.stack; }
      await Promise.all([airlock.fs.stat('y').catch(() => trace())]);
      const names = seen.filter((v) => typeof v === 'function').map((f) => f.name);
      return { handles: seen.filter(looksLikeHostHandle).length, functionNames: [...new Set(names)].sort(),
        typeNames: [...new Set(seen.filter((v) => typeof v === 'string'))].filter((n) => /Reference|Callback|Isolate/.test(n)) };
    `, host);
    const seen = value as { handles: number; functionNames: string[]; typeNames: string[] };
    assert.equal(seen.handles, 0);
    assert.deepEqual(seen.typeNames, []);
    assert.ok(seen.functionNames.includes('trace'), 'the probe did see frames (agent functions are visible)');
    const internal = ['call', 'flush', 'scheduleFlush', 'emit', 'formatArg', 'toJson', 'runScript', 'describeError', 'define', 'clip', 'safeString'];
    assert.deepEqual(seen.functionNames.filter((n) => internal.includes(n)), []);
  });

  it('gives proxy traps on bridge arguments only the agent own objects, and the host one consistent copy', async () => {
    const host = new RecordingHost();
    const value = await run(`
      const receivers = [];
      let reads = 0;
      const handler = {
        get(target, key, receiver) { receivers.push(receiver, target); reads++; return key === 'encoding' ? (reads > 2 ? 'base64' : 'utf8') : undefined; },
        ownKeys(target) { receivers.push(target); return ['encoding']; },
        getOwnPropertyDescriptor() { return { value: 'utf8', enumerable: true, configurable: true }; },
        getPrototypeOf(target) { receivers.push(target); return Object.prototype; },
      };
      const options = new Proxy({}, handler);
      const args = new Proxy(['file.txt'], { get(t, k, r) { receivers.push(r, t); return Reflect.get(t, k, r); } });
      const result = await airlock.fs.readFile(args[0], options);
      return { handles: receivers.filter(looksLikeHostHandle).length, result };
    `, host);
    assert.equal((value as { handles: number }).handles, 0);
    assert.equal(host.calls.length, 1);
    assert.deepEqual(host.calls[0], { name: 'fs.readFile', args: ['file.txt', { encoding: 'utf8' }] });
    assert.deepEqual((value as { result: unknown }).result, host.calls[0]);
  });

  it('turns host errors into plain isolate Errors whose constructor chain stays in the isolate', async () => {
    const host = new RecordingHost(() => {
      throw new AirlockError({ code: 'net.denied', message: 'Airlock denied net.fetch "http://127.0.0.1:9/"' });
    });
    const value = await run(`
      try { await airlock.net.fetch('http://127.0.0.1:9/'); } catch (e) {
        return [e.constructor === Error, Object.getPrototypeOf(e) === Error.prototype, looksLikeHostHandle(e),
          e.constructor.constructor('return typeof process + "/" + typeof __canary')(), Object.keys(e), e.name];
      }
    `, host);
    assert.deepEqual(value, [true, true, false, 'undefined/undefined', ['code'], 'Error']);
  });

  it('ignores Symbol.species, iterator and prototype tampering on arrays passed in, and leaks nothing to them', async () => {
    const host = new RecordingHost();
    const value = await run(`
      const captured = [];
      const keep = (v) => { captured[captured.length] = v; };
      const originals = { call: Function.prototype.call, apply: Function.prototype.apply, reflectApply: Reflect.apply,
        stringify: JSON.stringify, parse: JSON.parse, iterator: Array.prototype[Symbol.iterator], map: Array.prototype.map,
        then: Promise.prototype.then, defineProperty: Object.defineProperty };
      class Sneaky extends Array { static get [Symbol.species]() { keep('species'); return Array; } }
      const argv = Sneaky.from(['git', 'log']);
      Object.defineProperty(Array, Symbol.species, { get() { keep('Array.species'); return Array; }, configurable: true });
      Object.defineProperty(Object.prototype, 'n', { set(v) { keep(this); keep(v); }, get() { keep(this); return undefined; }, configurable: true });
      Object.defineProperty(Object.prototype, 'ok', { get() { keep(this); return false; }, configurable: true });
      Object.defineProperty(Object.prototype, 'get', { get() { keep(this); return undefined; }, configurable: true });
      Array.prototype[Symbol.iterator] = function () { keep(this); return originals.iterator.call(this); };
      Array.prototype.map = function (f) { keep(this); keep(f); return []; };
      Promise.prototype.then = function (a, b) { keep(this); keep(a); keep(b); return originals.then.call(this, a, b); };
      Function.prototype.call = function (self, a, b) { keep(this); keep(self); keep(a); keep(b); return originals.reflectApply(this, self, [a, b]); };
      Function.prototype.apply = function (self, args) { keep(this); keep(self); keep(args); return originals.reflectApply(this, self, args); };
      Reflect.apply = function (f, self, args) { keep(f); keep(self); keep(args); return originals.reflectApply(f, self, args); };
      Object.defineProperty = function (o, k, d) { keep(o); keep(d); return originals.defineProperty(o, k, d); };
      JSON.stringify = function (v) { keep(v); return '[]'; };
      JSON.parse = function (t) { keep(t); return []; };
      let result, touched, live;
      try {
        result = await airlock.exec(argv, { cwd: 'src' });
        console.log('still works');
        touched = captured.length;
        [0].map((x) => x); // the hooks are live: this one is recorded
        live = captured.length > touched;
      } finally {
        Function.prototype.call = originals.call; Function.prototype.apply = originals.apply; Reflect.apply = originals.reflectApply;
        JSON.stringify = originals.stringify; JSON.parse = originals.parse; Array.prototype[Symbol.iterator] = originals.iterator;
        Array.prototype.map = originals.map; Promise.prototype.then = originals.then; Object.defineProperty = originals.defineProperty;
        delete Object.prototype.n; delete Object.prototype.ok; delete Object.prototype.get;
      }
      return { touched, live, handles: captured.filter(looksLikeHostHandle).length, resultName: result.name, resultArgs: result.args };
    `, host);
    assert.deepEqual(host.calls, [{ name: 'exec', args: [['git', 'log'], { cwd: 'src' }] }]);
    const v = value as { touched: number; live: boolean; handles: number; resultName: string };
    assert.equal(v.live, true, 'the tampered intrinsics were installed');
    assert.equal(v.touched, 0, 'the bridge and console used none of the tampered intrinsics');
    assert.equal(v.handles, 0);
    assert.equal(v.resultName, 'exec');
  });

  it('refuses SharedArrayBuffer and typed arrays as bridge arguments; Atomics.wait ends at a limit', async () => {
    const host = new RecordingHost();
    const value = await run(`
      const sab = new SharedArrayBuffer(16);
      const out = [];
      for (const arg of [sab, new Int32Array(sab), { buf: sab }]) {
        try { await airlock.fs.writeFile('f', arg); out.push('sent'); } catch (e) { out.push(e.constructor.name); }
      }
      return out;
    `, host);
    assert.deepEqual(value, ['TypeError', 'TypeError', 'TypeError']);
    assert.equal(host.calls.length, 0);
    const waiter = new TaskIsolate({ memoryMb: 16, cpuMs: 200, wallMs: 400 });
    try {
      const outcome = await waiter.run(`Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);`, host);
      assert.match(errorOf(outcome).code, /^script\.(cpu|wall)-limit$/);
      assert.equal(valueOf(await waiter.run(`return 'alive';`, host)), 'alive');
    } finally {
      waiter.dispose();
    }
  });

  it('has no WebAssembly, so wasm memory cannot grow outside the memory limit', async () => {
    const value = await run(`
      let grown = 'no';
      try { const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); m.grow(16384); grown = 'yes'; } catch (e) { grown = e.constructor.name; }
      return [typeof WebAssembly, Reflect.ownKeys(globalThis).includes('WebAssembly'), grown,
        typeof this.constructor.constructor('return typeof WebAssembly')()];
    `);
    assert.deepEqual(value, ['undefined', false, 'ReferenceError', 'string']);
  });

  it('survives deep recursion and refuses deeply nested arguments and results', async () => {
    const host = new RecordingHost();
    const value = await run(`
      const recurse = (n) => recurse(n + 1) + 1;
      let overflow;
      try { recurse(0); } catch (e) { overflow = e.constructor.name; }
      let nested = 'leaf';
      for (let i = 0; i < 10000; i++) nested = [nested];
      let sent;
      try { await airlock.fs.writeFile('f', nested); sent = 'sent'; } catch (e) { sent = e.constructor.name + ': ' + e.message; }
      return { overflow, sent };
    `, host);
    assert.equal((value as { overflow: string }).overflow, 'RangeError');
    assert.match((value as { sent: string }).sent, /^RangeError: .*nested more than 64 levels deep/);
    assert.equal(host.calls.length, 0);
    const deep = errorOf(await task.run(`let v = 1; for (let i = 0; i < 10000; i++) v = { v }; return v;`, host));
    assert.equal(deep.code, 'script.result');
    const overflow = errorOf(await task.run(`const f = () => f(); f();`, host));
    assert.equal(overflow.code, 'script.error');
    assert.match(overflow.message, /RangeError: Maximum call stack size exceeded/);
  });

  it('refuses a huge string argument before it crosses, and a huge string bomb ends the script only', async () => {
    const host = new RecordingHost();
    const big = new TaskIsolate({ memoryMb: 128, cpuMs: 5000, wallMs: 10000 });
    try {
      const value = valueOf(await big.run(`
        const data = 'x'.repeat(17 * 1024 * 1024);
        try { await airlock.fs.writeFile('f', data); return 'sent'; } catch (e) { return e.constructor.name + ': ' + e.message; }
      `, host));
      assert.match(String(value), /^RangeError: airlock\.fs\.writeFile arguments are \d+ characters of JSON; the limit is 16777216/);
      assert.equal(host.calls.length, 0);
      const bomb = await big.run(`let s = 'x'.repeat(1 << 20); for (;;) s += s;`, host);
      assert.ok(!bomb.ok);
      assert.equal(valueOf(await big.run(`return 'alive';`, host)), 'alive');
    } finally {
      big.dispose();
    }
  });

  it('cannot load modules with dynamic import(), directly or through eval', async () => {
    const value = await run(`
      const out = [];
      for (const load of [() => import('node:fs'), () => eval('import("child_process")')]) {
        try { const m = await load(); out.push(typeof m); } catch (e) { out.push(e.message); }
      }
      return out;
    `);
    assert.deepEqual(value, ['Not supported', 'Not supported']);
  });

  it('does not let a script replace the console or airlock for the next script', async () => {
    const host = new RecordingHost();
    await task.run(`try { console.log = () => {}; } catch {} try { Object.prototype.toJSON = () => 'hijacked'; } catch {}`, host);
    const outcome = await task.run(`console.log('visible'); return { a: 1 };`, host);
    assert.deepEqual(valueOf(outcome), { a: 1 });
    assert.deepEqual(outcome.console, [{ level: 'log', text: 'visible' }]);
  });
});
