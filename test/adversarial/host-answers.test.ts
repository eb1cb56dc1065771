// Host protocol under a hostile client, through a raw JSON-RPC peer of the real `airlock host` process: two answers to
// one approval request (the first is final, the second refused and logged), answers to ids never sent, an absurd
// Content-Length (answered, transport closed, exit 3), and an allow-task answer without a target (a literal grant).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawPeer, type Message } from '../support/rawPeer.js';
import { ERROR_CODES, HOST_EXIT, PROTOCOL_VERSION } from '../../sandbox/protocol/protocol.js';

const resultOf = <T>(m: Message): T => {
  assert.ok('result' in m, `expected a result, got ${JSON.stringify(m).slice(0, 400)}`);
  return m['result'] as T;
};
const answer = (m: Message, result: unknown) => JSON.stringify({ jsonrpc: '2.0', id: m['id'], result });

describe('adversarial: host protocol answers and framing', function () {
  this.timeout(60_000);
  let base: string;
  let ws: string;
  let stateDir: string;
  let peer: RawPeer | undefined;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-adv-answers-')));
    ws = path.join(base, 'ws');
    stateDir = path.join(base, 'state');
    fs.mkdirSync(path.join(ws, '.airlock'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'notes'));
    fs.mkdirSync(stateDir);
    fs.writeFileSync(path.join(ws, '.airlock', 'policy.json'), JSON.stringify({ version: 1, default: 'ask', fs: { write: { allow: ['src/**'] } }, approval: { timeoutSeconds: 3 } }));
  });
  afterEach(() => {
    peer?.child.kill('SIGKILL');
    peer = undefined;
    fs.rmSync(base, { recursive: true, force: true });
  });

  async function open(): Promise<{ p: RawPeer; task: string; logFile: string }> {
    const p = (peer = new RawPeer(stateDir));
    const init = resultOf<{ logFile: string }>(await p.call(1, 'initialize', { protocolVersion: PROTOCOL_VERSION, clientName: 'adversary', workspaceRoot: ws, logDir: path.join(stateDir, 'logs') }));
    const task = resultOf<{ id: string }>(await p.call(2, 'task/start', { intent: 'x', scope: { fs: { write: { allow: ['src/**'] } } } }));
    return { p, task: task.id, logFile: init.logFile };
  }
  const write = (p: RawPeer, id: number, task: string, file: string) =>
    p.call(id, 'action/run', { taskId: task, request: { action: 'fs.write', path: file, content: 'x' } });
  const logEntries = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l.slice(l.indexOf(' ') + 1)) as Record<string, unknown>);

  it('the first answer is final: a deny then an allow-once denies, and the second answer is refused and logged', async () => {
    const { p, task, logFile } = await open();
    p.onApproval = (m) => {
      p.send(answer(m, { answer: 'deny' }));
      return JSON.parse(answer(m, { answer: 'allow-once' })) as Message;
    };
    const denied = resultOf<{ outcome: string; decidedBy: string }>(await write(p, 10, task, 'notes/a.md'));
    assert.equal(denied.outcome, 'denied');
    assert.equal(denied.decidedBy, 'user');
    assert.equal(fs.existsSync(path.join(ws, 'notes', 'a.md')), false, 'the later allow-once performed nothing');

    // The other order: the allow came first, so it stands; the later deny is refused all the same.
    p.onApproval = (m) => {
      p.send(answer(m, { answer: 'allow-once' }));
      return JSON.parse(answer(m, { answer: 'deny' })) as Message;
    };
    const allowed = resultOf<{ outcome: string }>(await write(p, 11, task, 'notes/b.md'));
    assert.equal(allowed.outcome, 'done');
    resultOf(await p.call(12, 'task/list'));
    const refused = logEntries(logFile).filter((e) => e['kind'] === 'protocol');
    assert.equal(refused.length, 2, JSON.stringify(refused));
    for (const e of refused) assert.equal((e['error'] as { code: string }).code, 'protocol.repeated-answer');
    assert.match(p.raw, /refused a second answer to request/);
  });

  it('refuses answers for ids it never sent, and keeps serving', async () => {
    const { p, task, logFile } = await open();
    p.send(JSON.stringify({ jsonrpc: '2.0', id: 424242, result: { answer: 'allow-task', target: '**' } }));
    p.send(JSON.stringify({ jsonrpc: '2.0', id: 'approval-guess', result: { answer: 'allow-once' } }));
    const grants = resultOf<unknown[]>(await p.call(10, 'grant/list', { taskId: task }));
    assert.deepEqual(grants, []);
    const r = resultOf<{ outcome: string }>(await write(p, 11, task, 'notes/c.md'));
    assert.equal(r.outcome, 'denied', 'the peer still denies; no stray answer allowed it');
    const refused = logEntries(logFile).filter((e) => e['kind'] === 'protocol');
    assert.deepEqual(refused.map((e) => (e['error'] as { code: string }).code), ['protocol.unknown-answer', 'protocol.unknown-answer']);
    assert.equal(fs.existsSync(path.join(ws, 'notes', 'c.md')), false);
  });

  it('answers an absurd Content-Length with an error, closes the transport and exits 3; nothing after it runs', async () => {
    const { p, task } = await open();
    const after = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 20, method: 'action/run', params: { taskId: task, request: { action: 'fs.write', path: 'src/after.ts', content: 'x' } } }));
    p.child.stdin.write(Buffer.concat([Buffer.from('Content-Length: 107374182400\r\n\r\n'), Buffer.from(`Content-Length: ${after.length}\r\n\r\n`), after]));
    const error = await p.waitFor((m) => (m['error'] as { code?: number } | undefined)?.code === ERROR_CODES.messageTooLarge);
    assert.match((error['error'] as { message: string }).message, /107374182400 bytes.*closes the transport/);
    assert.equal(await p.exit, HOST_EXIT.transportLost);
    assert.equal(fs.existsSync(path.join(ws, 'src', 'after.ts')), false);
    assert.equal(p.messages.some((m) => m['id'] === 20), false);
  });

  it('an allow-task answer without a target grants the path itself, literally: glob characters in it match only themselves', async () => {
    const { p, task } = await open();
    p.onApproval = (m) => JSON.parse(answer(m, { answer: 'allow-task' })) as Message;
    const granted = resultOf<{ outcome: string }>(await write(p, 10, task, 'notes/{a.md,b.md}'));
    assert.equal(granted.outcome, 'done');
    assert.equal(fs.existsSync(path.join(ws, 'notes', '{a.md,b.md}')), true);
    const grants = resultOf<{ target: string }[]>(await p.call(11, 'grant/list', { taskId: task }));
    assert.equal(grants.length, 1);
    p.onApproval = (m) => JSON.parse(answer(m, { answer: 'deny' })) as Message;
    for (const [i, name] of ['a.md', 'b.md'].entries()) {
      const r = resultOf<{ outcome: string; decidedBy: string }>(await write(p, 20 + i, task, `notes/${name}`));
      assert.equal(r.outcome, 'denied', `notes/${name} is not covered by the grant for notes/{a.md,b.md}`);
      assert.equal(fs.existsSync(path.join(ws, 'notes', name)), false);
    }
    const again = resultOf<{ outcome: string; decidedBy: string }>(await write(p, 30, task, 'notes/{a.md,b.md}'));
    assert.equal(again.decidedBy, 'grant', 'the grant still covers the path itself');
  });
});
