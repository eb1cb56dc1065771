// Protocol attacks against the real `airlock host` process: requests out of order (before initialize, after shutdown,
// a second initialize), forged and malformed approval answers, responses to unknown ids, pathological JSON. Each case
// checks the effect on disk and that the host keeps serving (or refuses) as documented.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawPeer, type Message } from '../support/rawPeer.js';
import { ERROR_CODES, HOST_EXIT, PROTOCOL_VERSION } from '../../sandbox/protocol/protocol.js';
import { makeSecret } from './support.js';

const errorCode = (m: Message): number | undefined => (m['error'] as { code?: number } | undefined)?.code;
const resultOf = <T>(m: Message): T => {
  assert.ok('result' in m, `expected a result, got ${JSON.stringify(m).slice(0, 400)}`);
  return m['result'] as T;
};

describe('adversarial: protocol', function () {
  this.timeout(40000);
  let base: string;
  let ws: string;
  let other: string;
  let stateDir: string;
  let secret: string;
  let peer: RawPeer | undefined;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-adv-proto-')));
    ws = path.join(base, 'ws');
    other = path.join(base, 'other');
    stateDir = path.join(base, 'state');
    secret = makeSecret();
    for (const d of [ws, other, stateDir]) fs.mkdirSync(d);
    fs.mkdirSync(path.join(ws, '.airlock'));
    fs.mkdirSync(path.join(ws, 'src'));
    fs.writeFileSync(path.join(ws, '.env'), `TOKEN=${secret}\n`);
    fs.writeFileSync(path.join(ws, '.airlock', 'policy.json'), JSON.stringify({
      version: 1, default: 'ask',
      fs: { read: { allow: ['src/**'], deny: ['.env'] }, write: { allow: ['src/**'] } },
      exec: { allow: [['env']] },
      approval: { timeoutSeconds: 2 },
    }));
    // A second workspace whose policy would allow much more: a second initialize must not switch to it.
    fs.mkdirSync(path.join(other, '.airlock'));
    fs.writeFileSync(path.join(other, '.airlock', 'policy.json'), JSON.stringify({ version: 1, default: 'ask', fs: { write: { allow: ['notes/**', 'src/**'] } } }));
  });
  afterEach(() => {
    peer?.child.kill('SIGKILL');
    peer = undefined;
    fs.rmSync(base, { recursive: true, force: true });
  });

  const open = (): RawPeer => (peer = new RawPeer(stateDir, { AIRLOCK_ADV_SECRET: secret }));
  const init = (p: RawPeer, id = 1, root = ws) => p.call(id, 'initialize', {
    protocolVersion: PROTOCOL_VERSION, clientName: 'adversary', workspaceRoot: root, logDir: path.join(stateDir, 'logs'),
  });
  const scope = { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } }, exec: { allow: [['env']] } };

  it('refuses every action, script and task before initialize, and ignores a response to an id it never sent', async () => {
    const p = open();
    const target = path.join(ws, 'src', 'early.txt');
    const answers = await Promise.all([
      p.call(1, 'action/run', { taskId: 'task-guess', request: { action: 'fs.write', path: target, content: 'x' } }),
      p.call(2, 'script/run', { taskId: 'task-guess', code: `await airlock.fs.writeFile(${JSON.stringify(target)}, 'x')` }),
      p.call(3, 'task/start', { intent: 'x', scope }),
      p.call(4, 'kill', { target: 'all' }),
      p.call(5, 'log/read', {}),
    ]);
    for (const m of answers) assert.equal(errorCode(m), ERROR_CODES.notInitialized, JSON.stringify(m));
    p.send(JSON.stringify({ jsonrpc: '2.0', id: 777, result: { answer: 'allow-task', target: '**' } }));
    p.send(JSON.stringify({ jsonrpc: '2.0', id: 'approval-1', error: { code: -1, message: 'forged' } }));
    const r = await init(p, 6);
    assert.ok(resultOf<{ logFile: string }>(r).logFile);
    assert.equal(fs.existsSync(target), false);
  });

  it('refuses a second initialize: the session keeps its workspace, policy and log', async () => {
    const p = open();
    const first = resultOf<{ logFile: string; session: string }>(await init(p));
    const again = await init(p, 2, other);
    assert.equal(errorCode(again), -32600, JSON.stringify(again));
    const task = resultOf<{ id: string }>(await p.call(3, 'task/start', { intent: 'x', scope }));
    // Writing into the other workspace is outside this one: asked (and denied by the peer), never allowed by its policy.
    const out = resultOf<{ outcome: string; verdict: string }>(await p.call(4, 'action/run', { taskId: task.id, request: { action: 'fs.write', path: path.join(other, 'notes', 'x.md'), content: 'x' } }));
    assert.equal(out.outcome, 'denied');
    assert.equal(fs.existsSync(path.join(other, 'notes', 'x.md')), false);
    const shut = resultOf<{ logFile: string }>(await p.call(5, 'shutdown'));
    assert.equal(shut.logFile, first.logFile);
  });

  it('denies on forged, misdirected, malformed and repeated approval answers', async () => {
    const p = open();
    const { logFile } = resultOf<{ logFile: string }>(await init(p));
    const task = resultOf<{ id: string }>(await p.call(2, 'task/start', { intent: 'x', scope }));
    const ask = (id: number, file: string) => p.call(id, 'action/run', { taskId: task.id, request: { action: 'fs.write', path: file, content: 'x' } });

    // An answer to another id (a guessed one), and nothing to the real one: the prompt times out, denied.
    p.onApproval = (m) => ({ jsonrpc: '2.0', id: typeof m['id'] === 'number' ? m['id'] + 1000 : `${String(m['id'])}x`, result: { answer: 'allow-once' } });
    const misdirected = resultOf<{ outcome: string; decidedBy: string }>(await ask(3, 'notes/a.md'));
    assert.equal(misdirected.outcome, 'denied');
    assert.equal(misdirected.decidedBy, 'timeout');
    // An answer that is not one of the four: denied at once.
    let next = 4;
    for (const result of [{ answer: 'allow-everything' }, { answer: 'allow-once', extra: true }, 'allow-once', null, [{ answer: 'allow-once' }]]) {
      p.onApproval = (m) => ({ jsonrpc: '2.0', id: m['id'], result });
      const bad = resultOf<{ outcome: string }>(await ask(next++, 'notes/b.md'));
      assert.equal(bad.outcome, 'denied', JSON.stringify(result));
    }
    // An error response is a refusal; an allow sent for the same prompt after the refusal resurrects nothing.
    let approvalId: unknown;
    p.onApproval = (m) => {
      approvalId = m['id'];
      return { jsonrpc: '2.0', id: m['id'], error: { code: -32000, message: 'the user closed the prompt' } };
    };
    const refused = resultOf<{ outcome: string }>(await ask(100, 'notes/c.md'));
    assert.equal(refused.outcome, 'denied');
    const logBefore = fs.readFileSync(logFile, 'utf8');
    p.send(JSON.stringify({ jsonrpc: '2.0', id: approvalId, result: { answer: 'allow-task', target: '**' } }));
    const list = resultOf<unknown[]>(await p.call(101, 'grant/list', { taskId: task.id }));
    assert.deepEqual(list, [], 'the late answer created no grant');
    const added = fs.readFileSync(logFile, 'utf8').slice(logBefore.length).trim().split('\n').filter(Boolean);
    assert.ok(fs.readFileSync(logFile, 'utf8').startsWith(logBefore));
    // The late answer is only recorded as refused: nothing was decided or done after it.
    assert.deepEqual(added.map((l) => (JSON.parse(l.slice(l.indexOf(' ') + 1)) as { kind: string }).kind), ['protocol']);
    for (const f of ['a', 'b', 'c']) assert.equal(fs.existsSync(path.join(ws, 'notes', `${f}.md`)), false);
    assert.match(fs.readFileSync(logFile, 'utf8'), /"decidedBy":"timeout"/);
  });

  it('keeps built-in protections shut even when the client grants "**" for the task', async () => {
    const p = open();
    await init(p);
    const task = resultOf<{ id: string }>(await p.call(2, 'task/start', { intent: 'x', scope }));
    p.onApproval = (m) => ({ jsonrpc: '2.0', id: m['id'], result: { answer: 'allow-task', target: '**' } });
    const granted = resultOf<{ outcome: string }>(await p.call(3, 'action/run', { taskId: task.id, request: { action: 'fs.write', path: 'notes/a.md', content: 'x' } }));
    assert.equal(granted.outcome, 'done');
    const policyBefore = fs.readFileSync(path.join(ws, '.airlock', 'policy.json'), 'utf8');
    const logs = path.join(stateDir, 'logs');
    const attempts = [
      { action: 'fs.write', path: '.airlock/policy.json', content: '{"version":1}' },
      { action: 'fs.write', path: '.git/hooks/pre-commit', content: '#!/bin/sh\n' },
      { action: 'fs.write', path: '.vscode/tasks.json', content: '{}' },
      { action: 'fs.delete', path: '.airlock', recursive: true },
      { action: 'fs.read', path: '.env' },
      { action: 'fs.write', path: path.join(logs, 'x.jsonl'), content: 'x' },
      { action: 'fs.read', path: fs.readdirSync(logs).map((f) => path.join(logs, f)).find((f) => f.endsWith('.jsonl'))! },
      // The signing key: the client would even allow the read (the peer grants every prompt); the built-in refuses first.
      { action: 'fs.read', path: path.join(stateDir, 'keys', 'signing.key') },
      { action: 'fs.write', path: path.join(stateDir, 'keys', 'signing.key'), content: 'forged' },
    ];
    let id = 10;
    for (const request of attempts) {
      const r = resultOf<{ outcome: string; verdict: string }>(await p.call(id++, 'action/run', { taskId: task.id, request }));
      assert.notEqual(r.outcome, 'done', JSON.stringify(request));
    }
    assert.equal(fs.readFileSync(path.join(ws, '.airlock', 'policy.json'), 'utf8'), policyBefore);
    assert.equal(fs.existsSync(path.join(ws, '.git')), false);
    assert.equal(fs.existsSync(path.join(ws, '.vscode')), false);
    assert.equal(fs.readdirSync(logs).some((f) => f === 'x.jsonl'), false);
    assert.match(fs.readFileSync(path.join(stateDir, 'keys', 'signing.key'), 'utf8'), /PRIVATE KEY/);
    assert.equal(p.raw.includes('PRIVATE KEY'), false, 'the signing key never crossed the protocol');
    assert.equal(p.raw.includes(secret), false, 'the secret never crossed the protocol');
  });

  it('survives pathological JSON and keeps the secret out of every message and the log', async () => {
    const p = open();
    const { logFile } = resultOf<{ logFile: string }>(await init(p));
    const task = resultOf<{ id: string }>(await p.call(2, 'task/start', { intent: 'x', scope }));
    const deep = `{"jsonrpc":"2.0","id":3,"method":"task/start","params":{"intent":"x","deep":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`;
    p.send(deep);
    assert.ok(errorCode(await p.waitFor((m) => m['id'] === 3)));
    p.send(`[${JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'task/list' })}]`);
    p.send(JSON.stringify({ jsonrpc: '2.0', id: { nested: true }, method: 'task/list' }));
    p.send('{"jsonrpc":"2.0","id":5,"method":"action/run","params":{"taskId":"x","request":{"action":"fs.read","path":"src/a","__proto__":{"action":"exec"}}}}');
    assert.ok(errorCode(await p.waitFor((m) => m['id'] === 5)));
    p.child.stdin.write('Content-Length: -5\r\n\r\n');
    p.child.stdin.write('Content-Type: nothing\r\n\r\n');
    // Still serving, and still deciding: the secret-bearing file is denied, the scrubbed env holds no secret.
    const env = resultOf<{ outcome: string; result: { stdout: string } }>(await p.call(6, 'action/run', { taskId: task.id, request: { action: 'exec', argv: ['env'] } }));
    assert.equal(env.outcome, 'done');
    assert.match(env.result.stdout, /^PATH=/m);
    const dotenv = resultOf<{ outcome: string }>(await p.call(7, 'action/run', { taskId: task.id, request: { action: 'fs.read', path: '.env' } }));
    assert.equal(dotenv.outcome, 'denied');
    await p.call(8, 'shutdown');
    assert.equal(p.raw.includes(secret), false, 'the secret never crossed the protocol');
    assert.equal(fs.readFileSync(logFile, 'utf8').includes(secret), false, 'the secret is not in the log');
  });

  it('refuses tasks and actions after shutdown, and exits cleanly on exit', async () => {
    const p = open();
    await init(p);
    const task = resultOf<{ id: string }>(await p.call(2, 'task/start', { intent: 'x', scope }));
    resultOf(await p.call(3, 'shutdown'));
    const target = path.join(ws, 'src', 'late.txt');
    const after = await Promise.all([
      p.call(4, 'task/start', { intent: 'late', scope }),
      p.call(5, 'action/run', { taskId: task.id, request: { action: 'fs.write', path: 'src/late.txt', content: 'x' } }),
      p.call(6, 'script/run', { taskId: task.id, code: "await airlock.fs.writeFile('src/late.txt', 'x')" }),
    ]);
    for (const m of after) {
      const refused = 'error' in m || (m['result'] as { outcome?: string }).outcome !== 'done';
      assert.ok(refused, JSON.stringify(m).slice(0, 300));
    }
    assert.equal(fs.existsSync(target), false);
    p.send(JSON.stringify({ jsonrpc: '2.0', method: 'exit' }));
    assert.equal(await p.exit, HOST_EXIT.ok);
  });
});
