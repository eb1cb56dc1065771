// Claude Code's `type: "http"` hook: the real endpoint on 127.0.0.1 (in this process, and as `airlock hooks serve`),
// fed hook inputs exactly as Claude Code posts them, deciding with the workspace policy, logging, forwarding to a
// running host's gateway, and refusing what is not Claude Code (no token, a foreign Host, a browser, a huge body).
// The real Claude Code binary posting to it runs in test/agents/claude-code.test.ts (the http hook transport).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { HarnessClient } from '../../src/harness/client.js';
import type { ApprovalRequest } from '../../sandbox/pipeline/types.js';
import { serveHookHttp, toHttpAnswer, type HookHttpServer } from '../../sandbox/hooks/http.js';
import { readLog } from '../../sandbox/log/reader.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { runAirlock } from '../support/cli.js';
import { startServe, stopServe as stop } from '../support/hookServe.js';
import { claudePost, claudePre } from './fixtures.js';
import { hookLogEntries, makeWorkspace, SECRET, startEditorHarness } from './support.js';

type Ws = ReturnType<typeof makeWorkspace>;
const TOKEN = 'a'.repeat(64);

interface Res { status: number; text: string; json: Record<string, unknown> | undefined; headers: http.IncomingHttpHeaders }

/** One real HTTP request, headers exactly as given (Host included). */
function request(port: number, opts: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/hooks/claude-code', headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...opts.headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; });
      res.on('end', () => {
        let json: Record<string, unknown> | undefined;
        try { json = text.trim() ? JSON.parse(text) as Record<string, unknown> : undefined; } catch { json = undefined; }
        resolve({ status: res.statusCode ?? 0, text, json, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A hook call as Claude Code posts it: the event's JSON, the token from its environment in the Authorization header. */
const hook = (port: number, input: unknown, token = TOKEN, query = '') =>
  request(port, { path: `/hooks/claude-code${query}`, headers: { authorization: `Bearer ${token}` }, body: typeof input === 'string' ? input : JSON.stringify(input) });

const decisionOf = (r: Res) => r.json?.['hookSpecificOutput'] as { hookEventName?: string; permissionDecision?: string; permissionDecisionReason?: string } | undefined;

/** The workspace's environment in this process for the test (the in-process endpoint decides with it), restored after. */
function useEnv(env: NodeJS.ProcessEnv): () => void {
  const keys = [...Object.keys(env), 'AIRLOCK_BASELINE_POLICY'];
  const saved = new Map(keys.map((k) => [k, process.env[k]]));
  Object.assign(process.env, env, { AIRLOCK_BASELINE_POLICY: '' });
  return () => { for (const [k, v] of saved) { if (v === undefined) delete process.env[k]; else process.env[k] = v; } };
}

describe('Claude Code http hook endpoint (serveHookHttp, real HTTP on 127.0.0.1)', function () {
  this.timeout(60000);
  let ws: Ws;
  let server: HookHttpServer;
  let restore: () => void;
  beforeEach(async () => {
    ws = makeWorkspace();
    restore = useEnv(ws.env);
    server = await serveHookHttp({ host: '127.0.0.1', port: 0, token: TOKEN });
  });
  afterEach(async () => {
    await server.close();
    restore();
    ws.cleanup();
  });

  it('answers an allowed Read with 200 and allow, and logs the decision naming the agent, session and tool-use id', async () => {
    const r = await hook(server.port, claudePre(ws.root, 'Read', { file_path: path.join(ws.root, 'src/a.ts') }, 'toolu_http_1'));
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.deepEqual(decisionOf(r)?.hookEventName, 'PreToolUse');
    assert.equal(decisionOf(r)?.permissionDecision, 'allow');
    const d = hookLogEntries(ws.state).find((e) => e['kind'] === 'decision');
    assert.deepEqual((d?.['data'] as { agent: unknown }).agent, { name: 'claude-code', session: 'sess-claude-1', tool: 'Read', toolUseId: 'toolu_http_1' });
  });

  it('denies reading .env with 200 and deny, and the secret is in neither the body nor the log', async () => {
    const r = await hook(server.port, claudePre(ws.root, 'Read', { file_path: '.env' }));
    assert.equal(r.status, 200);
    assert.equal(decisionOf(r)?.permissionDecision, 'deny');
    assert.match(decisionOf(r)?.permissionDecisionReason ?? '', /\.env/);
    assert.ok(!r.text.includes(SECRET));
    assert.ok(!JSON.stringify(hookLogEntries(ws.state)).includes(SECRET));
  });

  it('denies a protected write (Claude Code\'s own settings) and a shell redirection into the policy', async () => {
    const settings = await hook(server.port, claudePre(ws.root, 'Write', { file_path: '.claude/settings.json', content: '{}' }));
    assert.equal(decisionOf(settings)?.permissionDecision, 'deny');
    assert.match(decisionOf(settings)?.permissionDecisionReason ?? '', /built-in protection/);
    const redirected = await hook(server.port, claudePre(ws.root, 'Bash', { command: 'cat src/a.ts > .airlock/policy.json' }));
    assert.equal(decisionOf(redirected)?.permissionDecision, 'deny');
  });

  it('an agent cannot read the endpoint\'s token file: the state directory is a built-in protected path', async () => {
    const file = path.join(ws.state, 'hooks', 'http.json');
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify({ port: 1, token: TOKEN }), { mode: 0o600 });
    const read = await hook(server.port, claudePre(ws.root, 'Read', { file_path: file }));
    assert.equal(decisionOf(read)?.permissionDecision, 'deny');
    const cat = await hook(server.port, claudePre(ws.root, 'Bash', { command: `cat ${file}` }));
    assert.equal(decisionOf(cat)?.permissionDecision, 'deny');
    assert.ok(!read.text.includes(TOKEN) && !cat.text.includes(TOKEN));
  });

  it('fails closed: malformed JSON, input not in Claude Code\'s shape and a broken policy are a 200 deny with the reason', async () => {
    const garbage = await hook(server.port, '{"session_id": ');
    assert.equal(garbage.status, 200);
    assert.equal(decisionOf(garbage)?.permissionDecision, 'deny');
    assert.match(decisionOf(garbage)?.permissionDecisionReason ?? '', /not JSON/);
    const shape = await hook(server.port, { hook_event_name: 'PreToolUse', tool_name: 'Read' });
    assert.equal(decisionOf(shape)?.permissionDecision, 'deny');
    assert.match(decisionOf(shape)?.permissionDecisionReason ?? '', /not in the shape claude-code sends/);
    fs.writeFileSync(path.join(ws.root, '.airlock', 'policy.json'), '{ "version": 1, "fs": { "write": { "allow": ["**"] } } }');
    const broken = await hook(server.port, claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }));
    assert.equal(broken.status, 200);
    assert.equal(decisionOf(broken)?.permissionDecision, 'deny');
    assert.match(decisionOf(broken)?.permissionDecisionReason ?? '', /policy\.json/);
  });

  it('a malformed post-tool call (?event=post) is answered with a message, not a PreToolUse decision', async () => {
    const r = await hook(server.port, 'not json', TOKEN, '?event=post');
    assert.equal(r.status, 200);
    assert.equal(r.json?.['hookSpecificOutput'], undefined);
    assert.match(String(r.json?.['systemMessage']), /not JSON/);
  });

  it('refuses a missing or wrong token with 401 and logs nothing', async () => {
    const input = claudePre(ws.root, 'Read', { file_path: 'src/a.ts' });
    const none = await request(server.port, { body: JSON.stringify(input) });
    assert.equal(none.status, 401);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    const wrong = await hook(server.port, input, 'b'.repeat(64));
    assert.equal(wrong.status, 401);
    const empty = await request(server.port, { headers: { authorization: 'Bearer ' }, body: JSON.stringify(input) });
    assert.equal(empty.status, 401, 'an unset $AIRLOCK_HOOK_TOKEN (Claude Code sends "Bearer ") is refused');
    assert.match(String(wrong.json?.['error']), /AIRLOCK_HOOK_TOKEN/);
    assert.deepEqual(hookLogEntries(ws.state), []);
  });

  it('refuses a foreign Host (DNS rebinding) and any Origin (a browser) with 403, before the token is looked at', async () => {
    const input = JSON.stringify(claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }));
    const rebound = await request(server.port, { headers: { host: `attacker.example:${server.port}`, authorization: `Bearer ${TOKEN}` }, body: input });
    assert.equal(rebound.status, 403);
    const otherPort = await request(server.port, { headers: { host: `127.0.0.1:${server.port + 1}`, authorization: `Bearer ${TOKEN}` }, body: input });
    assert.equal(otherPort.status, 403);
    const localhost = await request(server.port, { headers: { host: `localhost:${server.port}`, authorization: `Bearer ${TOKEN}` }, body: input });
    assert.equal(localhost.status, 200);
    const browser = await request(server.port, { headers: { origin: 'https://evil.example', authorization: `Bearer ${TOKEN}` }, body: input });
    assert.equal(browser.status, 403);
    assert.equal(hookLogEntries(ws.state).filter((e) => e['kind'] === 'decision').length, 1, 'only the localhost call was decided');
  });

  it('refuses a body over 4 MiB with 413, other paths with 404, other methods with 405, other agents with 404 naming claude-code', async () => {
    const big = await request(server.port, { headers: { authorization: `Bearer ${TOKEN}` }, body: Buffer.alloc(4 * 1024 * 1024 + 1, 0x20) });
    assert.equal(big.status, 413);
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/hooks/claude-code', headers: { host: `127.0.0.1:${server.port}`, authorization: `Bearer ${TOKEN}`, 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
      req.end();
    });
    assert.equal(chunked, 413, 'a body without a length is counted as it arrives');
    assert.equal((await request(server.port, { path: '/', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' })).status, 404);
    assert.equal((await request(server.port, { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
    const vscode = await request(server.port, { path: '/hooks/vscode', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' });
    assert.equal(vscode.status, 404);
    assert.match(String(vscode.json?.['error']), /only claude-code/);
  });

  it('logs a PostToolUse outcome against its decision; the log reads back and verifies', async () => {
    const input = { file_path: path.join(ws.root, 'src/a.ts') };
    const pre = await hook(server.port, claudePre(ws.root, 'Read', input, 'toolu_post'));
    assert.equal(decisionOf(pre)?.permissionDecision, 'allow');
    const post = await hook(server.port, claudePost(ws.root, 'Read', input, { type: 'text', file: { filePath: input.file_path, content: 'export const a = 1;' } }, 'toolu_post'), TOKEN, '?event=post');
    assert.equal(post.status, 200);
    assert.deepEqual(post.json, {});
    const dir = path.join(ws.state, 'logs');
    const files: string[] = [];
    const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name.endsWith('.jsonl')) files.push(p); } };
    walk(dir);
    assert.equal(files.length, 1);
    const entries = [];
    for await (const e of readLog(files[0]!)) entries.push(e);
    const decision = entries.find((e) => e.kind === 'decision');
    const outcome = entries.find((e) => e.kind === 'outcome');
    assert.ok(decision && outcome);
    assert.equal(outcome.ref, decision.seq);
    assert.equal(outcome.outcome, 'done');
    const report = verifyLog(files[0]!, { keyDir: path.join(ws.state, 'keys') });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
  });

  it('answers parallel calls of one session, each with its own decision', async () => {
    const calls = ['src/a.ts', '.env', 'src/a.ts', '.env'].map((f, i) => hook(server.port, claudePre(ws.root, 'Read', { file_path: f }, `toolu_par_${i}`)));
    const answers = (await Promise.all(calls)).map((r) => decisionOf(r)?.permissionDecision);
    assert.deepEqual(answers, ['allow', 'deny', 'allow', 'deny']);
    assert.equal(hookLogEntries(ws.state).filter((e) => e['kind'] === 'decision').length, 4);
  });
});

describe('Claude Code http hook endpoint through a running airlock host (the editor asks)', function () {
  this.timeout(90000);
  let ws: Ws;
  let harness: HarnessClient;
  let server: HookHttpServer;
  let restore: () => void;
  const asked: ApprovalRequest[] = [];
  let answer: 'allow-once' | 'deny' = 'allow-once';

  beforeEach(async () => {
    ws = makeWorkspace();
    asked.length = 0;
    harness = await startEditorHarness(ws, (request) => { asked.push(request); return answer; });
    restore = useEnv(ws.env);
    server = await serveHookHttp({ host: '127.0.0.1', port: 0, token: TOKEN });
  });
  afterEach(async () => {
    await server.close();
    restore();
    await harness.shutdown().catch(() => undefined);
    ws.cleanup();
  });

  it('an out-of-scope write posted to the endpoint is asked in the editor; its answer is the hook\'s answer', async () => {
    const task = await harness.startTask({ intent: 'fix the tests', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } } } });
    const inScope = await hook(server.port, claudePre(ws.root, 'Write', { file_path: 'src/b.ts', content: 'x' }, 'toolu_g1'));
    assert.equal(decisionOf(inScope)?.permissionDecision, 'allow', inScope.text);
    assert.equal(asked.length, 0);
    answer = 'allow-once';
    const out = await hook(server.port, claudePre(ws.root, 'Write', { file_path: 'notes.md', content: 'x' }, 'toolu_g2'));
    assert.equal(decisionOf(out)?.permissionDecision, 'allow', out.text);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!.task.id, task.id);
    assert.equal(asked[0]!.agent?.name, 'claude-code');
    assert.equal(asked[0]!.agent?.toolUseId, 'toolu_g2');
    answer = 'deny';
    const refused = await hook(server.port, claudePre(ws.root, 'Write', { file_path: 'notes.md', content: 'y' }, 'toolu_g3'));
    assert.equal(refused.status, 200);
    assert.equal(decisionOf(refused)?.permissionDecision, 'deny');
    const log = await harness.readLog({});
    assert.ok(log.some((e) => (e as { kind: string; data?: { agent?: { toolUseId?: string } } }).kind === 'decision' && (e as { data?: { agent?: { toolUseId?: string } } }).data?.agent?.toolUseId === 'toolu_g3'));
  });
});

describe('airlock hooks serve / token (real child processes)', function () {
  this.timeout(90000);
  let ws: Ws;
  const children: ChildProcess[] = [];
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(async () => {
    for (const c of children.splice(0)) await stop(c);
    ws.cleanup();
  });

  it('makes the endpoint file once (0700 folder, 0600 file), answers a real hook call, rotates its token, and keeps its port across restarts', async () => {
    const first = await startServe(ws.env);
    children.push(first.child);
    const file = path.join(ws.state, 'hooks', 'http.json');
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { port: number; token: string };
    assert.equal(saved.port, first.port);
    assert.ok(!first.out().includes(saved.token), 'serve never prints the token');
    const token = await runAirlock(['hooks', 'token'], { env: ws.env });
    assert.equal(token.stdout.trim(), saved.token);
    const exported = await runAirlock(['hooks', 'token', '--export'], { env: ws.env });
    assert.equal(exported.stdout.trim(), `export AIRLOCK_HOOK_TOKEN=${saved.token}`);

    const ok = await hook(first.port, claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }), saved.token);
    assert.equal(decisionOf(ok)?.permissionDecision, 'allow', ok.text);
    const secret = await hook(first.port, claudePre(ws.root, 'Read', { file_path: '.env' }), saved.token);
    assert.equal(decisionOf(secret)?.permissionDecision, 'deny');

    // A second serve while the first runs: it says the endpoint already runs (proved by the token, never sent).
    const again = await runAirlock(['hooks', 'serve'], { env: ws.env });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already runs on 127\.0\.0\.1:\d+/);
    const status = await runAirlock(['hooks', 'status', '--agent', 'claude-code'], { cwd: ws.root, env: ws.env });
    assert.match(status.stdout, new RegExp(`http endpoint +port ${first.port}, listening`));

    // A token that may have leaked is rotated: the running endpoint refuses the old one at once and takes the new one.
    const rotated = await runAirlock(['hooks', 'token', '--rotate'], { env: ws.env });
    assert.equal(rotated.code, 0, rotated.stderr);
    const fresh = rotated.stdout.trim();
    assert.match(fresh, /^[0-9a-f]{64}$/);
    assert.notEqual(fresh, saved.token);
    assert.equal((await hook(first.port, claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }, 'toolu_old'), saved.token)).status, 401);
    const withFresh = await hook(first.port, claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }, 'toolu_new'), fresh);
    assert.equal(decisionOf(withFresh)?.permissionDecision, 'allow');
    saved.token = fresh;

    assert.equal(await stop(first.child), 0, 'SIGTERM stops it cleanly');
    const down = await runAirlock(['hooks', 'status', '--agent', 'claude-code'], { cwd: ws.root, env: ws.env });
    assert.match(down.stdout, /not listening/);
    const second = await startServe(ws.env);
    children.push(second.child);
    assert.equal(second.port, first.port, 'the same port after a restart');
    assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as { token: string }).token, saved.token, 'and the same token');
  });

  it('a port taken by another program is named with the file and the way out (--port rewrites it)', async () => {
    const sockets = new Set<net.Socket>();
    const squatter = net.createServer((s) => { sockets.add(s); s.on('error', () => undefined); s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}'); });
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    const taken = (squatter.address() as net.AddressInfo).port;
    try {
      const r = await runAirlock(["hooks", "serve", "--port", String(taken)], { env: ws.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`port ${taken} on 127\\.0\\.0\\.1 is taken by another program`));
      assert.match(r.stderr, /hooks[/\\]http\.json/);
      assert.match(r.stderr, /airlock hooks serve --port N/);
      const status = await runAirlock(['hooks', 'status', '--agent', 'claude-code'], { cwd: ws.root, env: ws.env });
      assert.match(status.stdout, /taken by another program/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => squatter.close(r));
    }
    const bad = await runAirlock(['hooks', 'serve', '--port', '0'], { env: ws.env });
    assert.equal(bad.code, 2, '--port 0 is not a port');
    // The way out: another port, kept from then on, with the token unchanged.
    const before = JSON.parse(fs.readFileSync(path.join(ws.state, 'hooks', 'http.json'), 'utf8')) as { port: number; token: string };
    const free = await new Promise<number>((resolve) => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
    const moved = await startServe(ws.env, ['--port', String(free)]);
    children.push(moved.child);
    assert.equal(moved.port, free);
    assert.match(moved.out(), new RegExp(`moved from port ${taken} to ${free}.*install --agent claude-code --http`));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(ws.state, 'hooks', 'http.json'), 'utf8')), { port: free, token: before.token });
  });

  it('refuses an endpoint file other users can read, naming it and the fix', async () => {
    fs.mkdirSync(path.join(ws.state, 'hooks'), { recursive: true, mode: 0o700 });
    const file = path.join(ws.state, 'hooks', 'http.json');
    fs.writeFileSync(file, JSON.stringify({ port: 45678, token: 'c'.repeat(64) }), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const r = await runAirlock(['hooks', 'token'], { env: ws.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /http\.json is readable by other users/);
    assert.ok(!r.stdout.includes('c'.repeat(64)));
    fs.chmodSync(path.join(ws.state, 'hooks'), 0o755);
    fs.chmodSync(file, 0o600);
    const dir = await runAirlock(['hooks', 'serve'], { env: ws.env });
    assert.equal(dir.code, 1);
    assert.match(dir.stderr, /open to other users.*chmod 700/);
  });
});

describe('http hook: turning the command hook\'s answer into an HTTP answer', () => {
  it('never answers a pre-tool call with an empty 200 (Claude Code reads that as no decision and runs the call)', () => {
    const pre = toHttpAnswer({ stdout: '', stderr: '', exit: 0 }, 'pre');
    assert.equal(pre.status, 200);
    assert.equal((JSON.parse(pre.body) as { hookSpecificOutput: { permissionDecision: string } }).hookSpecificOutput.permissionDecision, 'deny');
    assert.deepEqual(toHttpAnswer({ stdout: '', stderr: '', exit: 0 }, 'post'), { status: 200, body: '' });
    const junk = toHttpAnswer({ stdout: '[1]', stderr: '', exit: 0 }, 'pre');
    assert.match(junk.body, /"permissionDecision":"deny"/);
  });
});
