// Script escapes through Enforcer.runScript: every trick tries to reach the host (write a canary outside the workspace,
// read the secret), and each case checks the canary, the secret, the harness and the next script afterwards.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena } from './support.js';

const POLICY = {
  version: 1,
  default: 'deny',
  fs: { read: { allow: ['src/**'], deny: ['.env'] }, write: { allow: ['src/**'] } },
  exec: { allow: [['echo', 'ok'], ['sleep', '*']] },
  limits: { memoryMb: 32, cpuMs: 500, wallMs: 2500 },
};

/** Script text that, given a candidate `process`-like value in `p`, tries every way to damage the host with it. */
const TRY_HOST = `
  const hits = [];
  const tryHost = (p, how) => {
    try {
      if (p && (typeof p === 'object' || typeof p === 'function')) {
        const req = p.mainModule && p.mainModule.require || (typeof p.getBuiltinModule === 'function' && ((m) => p.getBuiltinModule(m)));
        if (req) { req('fs').writeFileSync(CANARY, 'pwned'); hits.push(how); }
        if (p.env && p.env.AIRLOCK_ADV_SECRET) hits.push(how + ':' + p.env.AIRLOCK_ADV_SECRET);
      }
    } catch (e) { /* not the host */ }
  };
`;

describe('adversarial: isolate', function () {
  this.timeout(30000);
  let a: Arena;
  let t: string;
  let canary: string;
  const results: ActionResult[] = [];

  beforeEach(() => {
    a = new Arena({ policy: POLICY, files: { 'src/a.ts': 'a\n' } });
    t = a.startTask();
    canary = path.join(a.outside, 'canary.txt');
  });
  afterEach(async () => {
    // The harness is alive and the task still serves scripts; nothing reached the host; the secret never left.
    const next = await a.enforcer.runScript(t, `return (await airlock.fs.readFile('src/a.ts')) + 'still works';`);
    assert.equal(next.outcome, 'done', `the next script failed: ${JSON.stringify(next.error)}`);
    assert.equal(next.result, 'a\nstill works');
    a.assertCanariesIntact();
    a.assertSecretAbsent(results.splice(0));
    await a.close();
  });

  const run = async (body: string): Promise<ActionResult> => {
    const r = await a.enforcer.runScript(t, `const CANARY = ${JSON.stringify(canary)};\n${TRY_HOST}\n${body}`);
    results.push(r);
    return r;
  };

  it('gets only the isolate realm from constructor chains, on globals, the airlock API and host errors', async () => {
    const r = await run(`
      const F = (x) => x.constructor.constructor;
      tryHost(F(this)('return typeof process === "undefined" ? undefined : process')(), 'this');
      tryHost(F(airlock.fs.readFile)('return globalThis.process')(), 'airlock.fs.readFile');
      tryHost(F(airlock)('return globalThis.process')(), 'airlock');
      tryHost((async () => {}).constructor('return globalThis.process')(), 'AsyncFunction');
      tryHost((function* () {}).constructor('return globalThis.process')().next().value, 'GeneratorFunction');
      let err;
      try { await airlock.fs.readFile('.env'); } catch (e) { err = e; }
      tryHost(err.constructor.constructor('return globalThis.process')(), 'host error');
      tryHost(Object.getPrototypeOf(err).constructor.constructor('return this')().process, 'host error proto');
      const names = Object.getOwnPropertyNames(globalThis).filter((n) => /^(process|require|module|exports|Buffer|global|__dirname)$/.test(n));
      return { hits, names, err: String(err && err.code) };
    `);
    assert.equal(r.outcome, 'done', JSON.stringify(r.error));
    assert.deepEqual(r.result, { hits: [], names: [], err: 'denied' });
  });

  it('gets no host function from Error.prepareStackTrace or structured frames around a bridge call', async () => {
    const r = await run(`
      const seen = [];
      Error.prepareStackTrace = (e, frames) => {
        for (const f of frames) {
          for (const get of ['getThis', 'getFunction']) {
            try {
              const v = f[get] && f[get]();
              if (typeof v === 'function') tryHost(v.constructor('return globalThis.process')(), 'frame ' + get);
              if (v) seen.push(get);
            } catch (x) { /* strict frames throw */ }
          }
        }
        return 'custom';
      };
      Error.stackTraceLimit = Infinity;
      try { await airlock.fs.readFile('../outside/canary.txt'); } catch (e) { void e.stack; }
      try { await airlock.exec(['echo', 'nope']); } catch (e) { void e.stack; }
      void new Error('probe').stack;
      return { hits };
    `);
    assert.equal(r.outcome, 'done', JSON.stringify(r.error));
    assert.deepEqual(r.result, { hits: [] });
  });

  it('decides and performs one copy of the arguments: a Proxy or getter cannot switch them after the decision', async () => {
    const r = await run(`
      let reads = 0;
      const argv = ['echo'];
      Object.defineProperty(argv, 1, { enumerable: true, get() { return reads++ === 0 ? 'ok' : 'pwned'; } });
      const res = await airlock.exec(argv);
      const proxied = new Proxy(['echo', 'ok'], { get(t, k, r) { if (k === '1') { reads++; return reads > 3 ? '$(touch ' + CANARY + ')' : 'ok'; } return Reflect.get(t, k, r); } });
      const res2 = await airlock.exec(proxied);
      let pathResult;
      const sly = { toString() { return reads++ % 2 ? '.env' : 'src/a.ts'; } };
      try { pathResult = await airlock.fs.readFile(sly); } catch (e) { pathResult = e.constructor.name; }
      return { out: res.stdout.trim(), out2: res2.stdout.trim(), pathResult };
    `);
    assert.equal(r.outcome, 'done', JSON.stringify(r.error));
    assert.deepEqual(r.result, { out: 'ok', out2: 'ok', pathResult: 'TypeError' });
  });

  it('ignores Symbol.species and tampered intrinsics: arrays and JSON are copied with the originals', async () => {
    const r = await run(`
      class Evil extends Array { static get [Symbol.species]() { tryHost(this.constructor.constructor('return globalThis.process')(), 'species'); return Array; } }
      const argv = Evil.from(['echo', 'ok']);
      const saved = [Array.prototype[Symbol.iterator], Array.prototype.map, JSON.stringify];
      Array.prototype[Symbol.iterator] = function* () { yield 'sleep'; yield '999'; };
      Array.prototype.map = () => ['sleep', '999'];
      JSON.stringify = () => '["sleep","999"]';
      Object.defineProperty(Array.prototype, '1', { get() { return '999'; }, set() {}, configurable: true });
      const res = await airlock.exec(argv);
      delete Array.prototype[1];
      Array.prototype[Symbol.iterator] = saved[0];
      Array.prototype.map = saved[1];
      JSON.stringify = saved[2];
      return { out: res.stdout.trim(), hits };
    `);
    assert.equal(r.outcome, 'done', JSON.stringify(r.error));
    assert.deepEqual(r.result, { out: 'ok', hits: [] });
  });

  it('refuses SharedArrayBuffer as an argument, and an Atomics.wait forever ends at a limit', async () => {
    const refused = await run(`
      const sab = new SharedArrayBuffer(16);
      try { await airlock.fs.writeFile('src/sab.txt', sab); return 'sent'; } catch (e) { return e.constructor.name; }
    `);
    assert.equal(refused.result, 'TypeError');
    assert.equal(a.existsWs('src/sab.txt'), false);
    const wait = await run(`Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); return 'woke';`);
    assert.equal(wait.outcome, 'error');
    assert.match(wait.error!.code, /^script\.(cpu|wall)-limit$/);
  });

  it('has no WebAssembly to grow memory outside the isolate limit; a memory bomb ends the script only', async () => {
    const wasm = await run(`return [typeof WebAssembly, typeof globalThis.WebAssembly];`);
    assert.deepEqual(wasm.result, ['undefined', 'undefined']);
    const bomb = await run(`const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()));`);
    assert.equal(bomb.outcome, 'error');
    assert.match(bomb.error!.code, /^script\.(memory|cpu)-limit$/);
  });

  it('ends deep recursion, huge strings and microtask floods inside the isolate', async () => {
    const recursion = await run(`const f = (n) => f(n + 1) + 1; f(0);`);
    assert.equal(recursion.outcome, 'error');
    assert.match(recursion.error!.message, /Maximum call stack size exceeded/);
    const nested = await run(`
      let v = 'leaf'; for (let i = 0; i < 100000; i++) v = [v];
      try { await airlock.fs.writeFile('src/nested.txt', v); return 'sent'; } catch (e) { return e.constructor.name; }
    `);
    assert.equal(nested.result, 'RangeError');
    const huge = await run(`let s = 'x'.repeat(1 << 20); for (;;) s += s;`);
    assert.equal(huge.outcome, 'error');
    const flood = await run(`for (;;) await null;`);
    assert.equal(flood.outcome, 'error');
    assert.match(flood.error!.code, /^script\.(cpu|wall)-limit$/);
    assert.equal(a.existsWs('src/nested.txt'), false);
  });

  it('lets nothing a script left running reach the host after its outcome', async () => {
    const r = await run(`
      Promise.resolve().then(async () => {
        for (let i = 0; i < 50; i++) await airlock.fs.writeFile('src/late' + i + '.txt', 'late');
      });
      return 'returned';
    `);
    assert.equal(r.result, 'returned');
    const count = () => fs.readdirSync(path.join(a.root, 'src')).filter((f) => f.startsWith('late')).length;
    const atOutcome = count();
    const logAtOutcome = a.logText().length;
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(count(), atOutcome, 'no write landed after the outcome');
    assert.equal(a.logText().length, logAtOutcome, 'no action was even decided after the outcome');
  });

  it('refuses a host call made after the task ended or was killed, while the script was waiting', async () => {
    for (const stop of ['end', 'kill'] as const) {
      const script = a.enforcer.runScript(t, `
        await airlock.exec(['sleep', '1']).catch(() => undefined);
        await airlock.fs.writeFile('src/after-${stop}.txt', 'x');
        return 'continued';
      `);
      await new Promise((res) => setTimeout(res, 150));
      if (stop === 'end') a.enforcer.endTask(t);
      else await a.enforcer.kill(t);
      const r = await script;
      results.push(r);
      assert.notEqual(r.outcome, 'done', `${stop}: ${JSON.stringify(r).slice(0, 300)}`);
      await new Promise((res) => setTimeout(res, 1200));
      assert.equal(a.existsWs(`src/after-${stop}.txt`), false, `${stop}: the write after the task stopped never happened`);
      const late = await a.enforcer.runScript(t, `await airlock.fs.writeFile('src/late-${stop}.txt', 'x');`);
      assert.notEqual(late.outcome, 'done');
      const direct = await a.perform(t, { action: 'fs.write', path: `src/direct-${stop}.txt`, content: 'x' });
      assert.equal(direct.error?.code, 'task.unknown');
      assert.equal(a.existsWs(`src/late-${stop}.txt`), false);
      t = a.startTask();
    }
  });
});
