// The gateway end to end: a real `airlock host` (as the extension starts it) with a client answering approvals, and real
// `airlock hook` processes whose questions reach that client, under the editor's task, its kill switch and its log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HarnessClient } from '../../src/harness/client.js';
import type { ApprovalRequest } from '../../sandbox/pipeline/types.js';
import { connectGateway } from '../../sandbox/gateway/client.js';
import { gatewayFiles } from '../../sandbox/gateway/paths.js';
import { listHookServers, stopHookServers } from '../../sandbox/hooks/hookd.js';
import { claudePre, codexPre } from './fixtures.js';
import { makeWorkspace, runHook, startEditorHarness } from './support.js';

const decisionOf = (r: { json: Record<string, unknown> | undefined }) =>
  (r.json?.['hookSpecificOutput'] as { permissionDecision?: string; permissionDecisionReason?: string } | undefined);

/** Runs `fn` with AIRLOCK_STATE_DIR set in this process (gatewayFiles and connectGateway read it). */
async function withState<T>(state: string, fn: () => Promise<T> | T): Promise<T> {
  const prev = process.env['AIRLOCK_STATE_DIR'];
  process.env['AIRLOCK_STATE_DIR'] = state;
  try { return await fn(); } finally { if (prev === undefined) delete process.env['AIRLOCK_STATE_DIR']; else process.env['AIRLOCK_STATE_DIR'] = prev; }
}

describe('gateway: airlock hook through a running airlock host', function () {
  this.timeout(90000);
  let ws: ReturnType<typeof makeWorkspace>;
  let harness: HarnessClient;
  const asked: ApprovalRequest[] = [];
  let answer: 'allow-once' | 'allow-task' | 'deny' = 'allow-once';

  beforeEach(async () => {
    ws = makeWorkspace();
    asked.length = 0;
    harness = await startEditorHarness(ws, (request) => { asked.push(request); return answer; });
  });
  afterEach(async () => {
    await harness.shutdown().catch(() => undefined);
    ws.cleanup();
  });

  it('serves a 0600 socket in a 0700 folder, and refuses a client without the token', async () => {
    const files = await withState(ws.state, () => gatewayFiles(ws.root));
    assert.equal(fs.statSync(files.dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(files.socket).mode & 0o777, 0o600);
    assert.equal(fs.statSync(files.token).mode & 0o777, 0o600);
    const closed = await new Promise<string>((resolve) => {
      const s = net.createConnection(files.socket);
      let got = '';
      s.on('data', (d) => { got += d.toString(); });
      s.on('close', () => resolve(got));
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'gateway/hook', params: {} });
      s.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    assert.match(closed, /authenticate with gateway\/hello first|^$/);
    const wrong = await new Promise<string>((resolve) => {
      const s = net.createConnection(files.socket);
      let got = '';
      s.on('data', (d) => { got += d.toString(); });
      s.on('close', () => resolve(got));
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'gateway/hello', params: { token: 'guess', client: 'hook' } });
      s.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    assert.match(wrong, /wrong token/);
  });

  it('an out-of-scope write is asked in the editor with the agent named; Allow once makes the hook print allow', async () => {
    const task = await harness.startTask({ intent: 'fix the tests', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } } } });
    answer = 'allow-once';
    const r = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'src/b.ts', content: 'x' }), ws.env);
    // In the policy (src/**) and the task scope: no question.
    assert.equal(decisionOf(r)?.permissionDecision, 'allow', r.stderr);
    assert.equal(asked.length, 0);
    // As Claude Code sends it: an absolute path. The question shows it as the policy writes it, so "Always allow" can.
    const out = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: path.join(ws.root, 'notes.md'), content: 'x' }, 'toolu_2'), ws.env);
    assert.equal(decisionOf(out)?.permissionDecision, 'allow', r.stderr);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.target, 'notes.md');
    assert.equal(asked[0]!.display.target, 'notes.md');
    assert.equal(asked[0]!.task.id, task.id);
    assert.equal(asked[0]!.agent?.name, 'claude-code');
    assert.equal(asked[0]!.agent?.toolUseId, 'toolu_2');
    answer = 'deny';
    const refused = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'notes.md', content: 'y' }, 'toolu_3'), ws.env);
    assert.equal(decisionOf(refused)?.permissionDecision, 'deny');
    const log = await harness.readLog({});
    const decisions = log.filter((e) => (e as { kind: string }).kind === 'decision') as Array<{ task: string; data: { agent?: { name: string } } }>;
    assert.ok(decisions.some((d) => d.task === task.id && d.data.agent?.name === 'claude-code'));
  });

  it('through the hook server too: the question reaches the editor and its answer is the hook\'s', async () => {
    const env = { ...ws.env, AIRLOCK_HOOK_SERVER: 'on', AIRLOCK_HOOK_SERVER_IDLE: '0.5' };
    const dir = path.join(ws.state, 'hookd');
    try {
      const task = await harness.startTask({ intent: 'docs', scope: { fs: { write: { allow: ['src/**'] } } } });
      answer = 'allow-once';
      // The first call answers in-process and starts the server; the next ones go through it.
      assert.equal(decisionOf(await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'src/b.ts', content: 'x' }, 'srv1'), env))?.permissionDecision, 'allow');
      let server: Awaited<ReturnType<typeof listHookServers>>[number] | undefined;
      for (let i = 0; i < 300 && !server?.status; i++) { server = (await listHookServers(dir))[0]; if (!server?.status) await new Promise((r) => setTimeout(r, 100)); }
      assert.ok(server?.status, 'the hook server started');
      const out = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'notes.md', content: 'x' }, 'srv2'), env);
      assert.equal(decisionOf(out)?.permissionDecision, 'allow', out.stderr);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.task.id, task.id);
      assert.equal(asked[0]!.agent?.toolUseId, 'srv2');
      answer = 'deny';
      const refused = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'notes.md', content: 'y' }, 'srv3'), env);
      assert.equal(decisionOf(refused)?.permissionDecision, 'deny');
      assert.equal((await listHookServers(dir))[0]?.status?.calls, 2, 'both calls went through the server');
    } finally {
      await stopHookServers(dir);
    }
  });

  it('a policy deny is never asked; the kill switch denies every later call and stops the agent', async () => {
    const task = await harness.startTask({ intent: 'work', scope: { fs: { read: { allow: ['**'] } } } });
    const secret = await runHook('codex', codexPre(ws.root, 'Bash', { command: 'cat .env' }), ws.env);
    assert.equal(secret.code, 2);
    assert.match(secret.stderr, /\.env/);
    const first = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }), ws.env);
    assert.equal(decisionOf(first)?.permissionDecision, 'allow');
    assert.equal(asked.length, 0);
    await harness.kill(task.id, 'test');
    const after = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }), ws.env);
    assert.equal(decisionOf(after)?.permissionDecision, 'deny');
    assert.equal(after.json?.['continue'], false);
    assert.match(String(after.json?.['stopReason']), /stopped|ended/);
    const refusals = (await harness.readLog({})).filter((e) => (e as { decidedBy?: string }).decidedBy === 'killswitch') as Array<{ task?: string }>;
    assert.ok(refusals.length > 0 && refusals.every((e) => e.task === task.id), `the kill switch's refusals name the task: ${JSON.stringify(refusals)}`);
  });

  it('gateway/ask hands a bare question to the editor (the MCP server\'s prompter)', async () => {
    answer = 'allow-task';
    const client = await withState(ws.state, () => connectGateway(ws.root));
    assert.ok(client);
    try {
      const got = await client.ask({
        id: 'q1', task: { id: 'mcp-task', intent: 'mcp' }, action: { kind: 'tool', tool: 'docs/search' }, target: 'docs/search',
        decision: { verdict: 'ask', rule: { layer: 'default' }, reason: 'no rule allows it' }, suggestions: [], deadline: Date.now() + 10000,
        display: { target: 'docs/search', reason: 'no rule allows it', intent: 'mcp' },
      });
      assert.equal(got.answer, 'allow-task');
      assert.equal(asked[0]?.id, 'q1');
    } finally {
      client.close();
    }
  });
});
