// The real `airlock hook <agent>` process, fed hook inputs exactly as each agent sends them, with no editor running:
// decisions from the workspace policy, answers in each agent's format, a log entry per call, and failing closed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { BashInput, GrepInput } from '@anthropic-ai/claude-agent-sdk/sdk-tools';
import { claudePost, claudePre, codexPre, copilotPre, cursorRead, cursorShell, geminiPre, vscodePre } from './fixtures.js';
import { hookLogEntries, makeWorkspace, runHook, SECRET } from './support.js';

type Ws = ReturnType<typeof makeWorkspace>;
const decisionOf = (r: { json: Record<string, unknown> | undefined }) =>
  (r.json?.['hookSpecificOutput'] as { permissionDecision?: string; permissionDecisionReason?: string } | undefined);

describe('airlock hook (real processes, no editor running)', function () {
  this.timeout(60000);
  let ws: Ws;
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(() => ws.cleanup());

  describe('claude-code', () => {
    it('allows a read the policy allows, and logs a decision naming the agent, its session and tool-use id', async () => {
      const r = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: path.join(ws.root, 'src/a.ts') }, 'toolu_read'), ws.env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(decisionOf(r)?.permissionDecision, 'allow');
      const d = hookLogEntries(ws.state).find((e) => e['kind'] === 'decision');
      assert.ok(d);
      assert.equal(d['verdict'], 'allow');
      // The absolute path the agent sent is recorded and explained as the policy writes it.
      assert.equal(d['target'], 'src/a.ts');
      assert.match(decisionOf(r)?.permissionDecisionReason ?? '', /"src\/a\.ts"/);
      assert.deepEqual((d['data'] as { agent: unknown }).agent, { name: 'claude-code', session: 'sess-claude-1', tool: 'Read', toolUseId: 'toolu_read' });
    });

    it('denies reading the secret, and the secret is never in the output or the log', async () => {
      const r = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: '.env' }), ws.env);
      assert.equal(decisionOf(r)?.permissionDecision, 'deny');
      assert.match(decisionOf(r)?.permissionDecisionReason ?? '', /\.env.*denied/);
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
      const logText = JSON.stringify(hookLogEntries(ws.state));
      assert.ok(!logText.includes(SECRET));
    });

    it('denies writing a protected file (the agent\'s own hook settings) whatever the policy says', async () => {
      const r = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: '.claude/settings.json', content: '{}' }), ws.env);
      assert.equal(decisionOf(r)?.permissionDecision, 'deny');
      assert.match(decisionOf(r)?.permissionDecisionReason ?? '', /built-in protection/);
    });

    it('judges a compound, piped and redirected shell command part by part', async () => {
      const ok = await runHook('claude-code', claudePre(ws.root, 'Bash', { command: 'cat src/a.ts | grep a > src/out.txt && ls -la src' }), ws.env);
      assert.equal(decisionOf(ok)?.permissionDecision, 'allow', decisionOf(ok)?.permissionDecisionReason);
      const redirected = await runHook('claude-code', claudePre(ws.root, 'Bash', { command: 'cat src/a.ts > .airlock/policy.json' }), ws.env);
      assert.equal(decisionOf(redirected)?.permissionDecision, 'deny');
      const hidden = await runHook('claude-code', claudePre(ws.root, 'Bash', { command: 'ls src; echo "$(rm -rf build)"' }), ws.env);
      assert.equal(decisionOf(hidden)?.permissionDecision, 'deny');
      assert.match(decisionOf(hidden)?.permissionDecisionReason ?? '', /rm/);
      const unknown = await runHook('claude-code', claudePre(ws.root, 'Bash', { command: 'cat $FILE' }), ws.env);
      assert.equal(decisionOf(unknown)?.permissionDecision, 'ask');
    });

    it('a search or recursive read of a folder is denied when a file beneath it is (the secret never searched), and says how to narrow it', async () => {
      fs.mkdirSync(path.join(ws.root, 'config'));
      fs.writeFileSync(path.join(ws.root, 'config', 'id_rsa'), 'KEY');
      const cases: Array<['Grep', GrepInput] | ['Bash', BashInput]> = [
        ['Grep', { pattern: 'API_KEY', path: ws.root, output_mode: 'content' }],
        ['Grep', { pattern: 'API_KEY' }],
        ['Bash', { command: 'grep -r API_KEY .' }],
        ['Bash', { command: 'grep -rn API_KEY' }],
        ['Bash', { command: 'cat src/a.ts && cp -r . /tmp/airlock-copy-test' }],
        ['Bash', { command: 'find . -type f -exec cat {} +' }],
      ];
      for (const [tool, input] of cases) {
        const r = await runHook('claude-code', tool === 'Grep' ? claudePre(ws.root, tool, input) : claudePre(ws.root, tool, input), ws.env);
        const d = decisionOf(r);
        assert.equal(d?.permissionDecision, 'deny', `${tool} ${JSON.stringify(input)}: ${d?.permissionDecisionReason}`);
        assert.match(d?.permissionDecisionReason ?? '', /"(\.env|config\/id_rsa)" is denied/);
        assert.match(d?.permissionDecisionReason ?? '', /reads everything under "\.?"?.*narrower folder/);
        assert.ok(!r.stdout.includes(SECRET));
      }
      // Narrowed: a file filter that leaves the secrets out, a folder without them, a file named directly.
      const narrowed: Array<['Grep', GrepInput] | ['Bash', BashInput]> = [['Grep', { pattern: 'a', glob: '*.ts' }], ['Grep', { pattern: 'a', path: 'src' }], ['Bash', { command: 'grep -r a src' }], ['Bash', { command: 'ls -la' }]];
      for (const [tool, input] of narrowed) {
        const r = await runHook('claude-code', tool === 'Grep' ? claudePre(ws.root, tool, input) : claudePre(ws.root, tool, input), ws.env);
        assert.equal(decisionOf(r)?.permissionDecision, 'allow', `${tool} ${JSON.stringify(input)}: ${decisionOf(r)?.permissionDecisionReason}`);
      }
    });

    it('decides an MCP tool by the tools section: allowed, denied, unknown asked', async () => {
      const allowed = await runHook('claude-code', claudePre(ws.root, 'mcp__docs__search', { query: 'x' }), ws.env);
      assert.equal(decisionOf(allowed)?.permissionDecision, 'allow');
      const denied = await runHook('claude-code', claudePre(ws.root, 'mcp__github__delete_repo', { repo: 'x' }), ws.env);
      assert.equal(decisionOf(denied)?.permissionDecision, 'deny');
      const unknown = await runHook('claude-code', claudePre(ws.root, 'mcp__slack__post', { text: 'x' }), ws.env);
      assert.equal(decisionOf(unknown)?.permissionDecision, 'ask');
      const asked = hookLogEntries(ws.state).find((e) => e['kind'] === 'decision' && e['verdict'] === 'ask');
      assert.match(String((asked?.['data'] as { askedVia?: string }).askedVia), /agent's own prompt/);
    });

    it('logs the outcome of an allowed call against its decision (PostToolUse)', async () => {
      const input = { file_path: path.join(ws.root, 'src/a.ts') };
      await runHook('claude-code', claudePre(ws.root, 'Read', input, 'toolu_7'), ws.env);
      const r = await runHook('claude-code', claudePost(ws.root, 'Read', input, { content: 'export const a = 1;' }, 'toolu_7'), ws.env);
      assert.equal(r.code, 0, r.stderr);
      const entries = hookLogEntries(ws.state);
      const decision = entries.find((e) => e['kind'] === 'decision');
      const outcome = entries.find((e) => e['kind'] === 'outcome');
      assert.equal(outcome?.['ref'], decision?.['seq']);
      assert.equal(outcome?.['outcome'], 'done');
      assert.match(String((outcome?.['digests'] as { response: string }).response), /^sha256:[0-9a-f]{64}$/);
    });

    it('after the kill switch every later call of the session is denied and the agent stopped', async () => {
      await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }), ws.env);
      const { killLocalSessions } = await import('../../sandbox/hooks/local.js');
      const prev = process.env['AIRLOCK_STATE_DIR'];
      process.env['AIRLOCK_STATE_DIR'] = ws.state;
      try { killLocalSessions(ws.root); } finally { if (prev === undefined) delete process.env['AIRLOCK_STATE_DIR']; else process.env['AIRLOCK_STATE_DIR'] = prev; }
      const r = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }), ws.env);
      assert.equal(decisionOf(r)?.permissionDecision, 'deny');
      assert.equal(r.json?.['continue'], false);
      assert.match(String(r.json?.['stopReason']), /kill switch/);
    });

    it('a broken policy denies with exit 2 and names the file and place', async () => {
      fs.writeFileSync(path.join(ws.root, '.airlock', 'policy.json'), '{ "version": 1, "fs": { "write": { "allow": ["**"] } } }');
      const r = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }), ws.env);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /policy\.json.*fs\.write\.allow\[0\]/);
    });

    it('runs the policy\'s own tests once per version of its files, and a failing one still denies', async () => {
      const policy = (expect: string) => JSON.stringify({
        version: 1, extends: ['airlock:default'], fs: { write: { allow: ['src/**'] } },
        tests: [{ action: 'fs.write', target: 'src/x.ts', expect }],
      });
      const file = path.join(ws.root, '.airlock', 'policy.json');
      const records = () => { try { return fs.readdirSync(path.join(ws.state, 'policy-tests')); } catch { return []; } };
      fs.writeFileSync(file, policy('allow'));
      const first = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }, 'p1', 'tests'), ws.env);
      assert.equal(decisionOf(first)?.permissionDecision, 'allow');
      assert.equal(records().length, 1, 'the passing examples are recorded');
      const again = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }, 'p2', 'tests'), ws.env);
      assert.equal(decisionOf(again)?.permissionDecision, 'allow');
      assert.equal(records().length, 1);
      // Another version of the file is another record: its failing example is found, and the call denied.
      fs.writeFileSync(file, policy('deny'));
      const failing = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }, 'p3', 'tests'), ws.env);
      assert.equal(failing.code, 2);
      assert.match(failing.stderr, /policy\.json.*tests\[0\].*expected deny, got allow/);
      assert.equal(records().length, 1, 'a failing run records nothing');
      // A forged record (another key in the file) is not believed.
      fs.writeFileSync(path.join(ws.state, 'policy-tests', records()[0]!), 'forged', { mode: 0o600 });
      fs.writeFileSync(file, policy('allow'));
      const rerun = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'src/a.ts' }, 'p4', 'tests'), ws.env);
      assert.equal(decisionOf(rerun)?.permissionDecision, 'allow');
      assert.equal(fs.readFileSync(path.join(ws.state, 'policy-tests', records()[0]!), 'utf8').length, 64, 'the record is rewritten after the examples ran');
    });

    it('malformed JSON, and input not in Claude Code\'s shape, deny with exit 2', async () => {
      const r = await runHook('claude-code', '{"session_id": ', ws.env);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /not JSON/);
      const wrong = await runHook('claude-code', { session_id: 's', cwd: ws.root, hook_event_name: 'PreToolUse', tool_name: 'Read' }, ws.env);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /not in the shape claude-code sends/);
    });
  });

  it('hooks.task: the session runs in that template\'s task; outside its scope is asked; when it expires the agent is stopped', async () => {
    ws.cleanup();
    ws = makeWorkspace({
      version: 1, extends: ['airlock:default'], fs: { write: { allow: ['src/**', 'docs/**'] } },
      hooks: { task: 'docs' },
      tasks: { docs: { intent: 'write the docs', scope: { fs: { read: { allow: ['**'] }, write: { allow: ['docs/**'] } } }, ttlSeconds: 20 } },
    });
    const inScope = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'docs/a.md', content: 'x' }, 'u1', 'ttl'), ws.env);
    // The task started inside that hook process, so before now (a loaded machine can take seconds to start one).
    const started = Date.now();
    assert.equal(decisionOf(inScope)?.permissionDecision, 'allow', decisionOf(inScope)?.permissionDecisionReason);
    const outside = await runHook('claude-code', claudePre(ws.root, 'Write', { file_path: 'src/b.ts', content: 'x' }, 'u2', 'ttl'), ws.env);
    assert.equal(decisionOf(outside)?.permissionDecision, 'ask');
    assert.match(decisionOf(outside)?.permissionDecisionReason ?? '', /scope of task/);
    await new Promise((r) => setTimeout(r, Math.max(0, started + 20_500 - Date.now())));
    const expired = await runHook('claude-code', claudePre(ws.root, 'Read', { file_path: 'docs/a.md' }, 'u3', 'ttl'), ws.env);
    assert.equal(decisionOf(expired)?.permissionDecision, 'deny');
    assert.equal(expired.json?.['continue'], false);
    assert.match(String(expired.json?.['stopReason']), /ended/);
    const start = hookLogEntries(ws.state).find((e) => e['kind'] === 'task.start');
    assert.equal((start?.['data'] as { template?: string }).template, 'docs');
  });

  it('vscode: same shape as Claude Code, camelCase session; editFiles writes every file', async () => {
    const r = await runHook('vscode', vscodePre(ws.root, 'editFiles', { files: ['src/a.ts', 'package.json'] }), ws.env);
    assert.equal(decisionOf(r)?.permissionDecision, 'ask');
    const d = await runHook('vscode', vscodePre(ws.root, 'editFiles', { files: ['src/a.ts', '.vscode/settings.json'] }), ws.env);
    assert.equal(decisionOf(d)?.permissionDecision, 'deny');
  });

  it('copilot: flat answer; an ask becomes a deny with the reason (Copilot does not honour ask)', async () => {
    const ok = await runHook('copilot', copilotPre(ws.root, 'view', { path: 'src/a.ts' }), ws.env);
    assert.deepEqual(Object.keys(ok.json ?? {}).sort(), ['permissionDecision', 'permissionDecisionReason']);
    assert.equal(ok.json?.['permissionDecision'], 'allow');
    const asked = await runHook('copilot', copilotPre(ws.root, 'bash', { command: 'npm install left-pad' }), ws.env);
    assert.equal(asked.json?.['permissionDecision'], 'deny');
    assert.match(String(asked.json?.['permissionDecisionReason']), /cannot ask/);
  });

  it('codex: never ask; a deny is exit 2 with the reason on stderr; apply_patch writes every file it names', async () => {
    const patch = '*** Begin Patch\n*** Update File: src/a.ts\n@@\n-a\n+b\n*** Add File: .codex/hooks.json\n+{}\n*** End Patch\n';
    const r = await runHook('codex', codexPre(ws.root, 'apply_patch', { command: patch }), ws.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.codex\/hooks\.json.*built-in protection/);
    const asked = await runHook('codex', codexPre(ws.root, 'Bash', { command: 'curl https://example.com' }), ws.env);
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /cannot ask/);
  });

  it('gemini: decision/reason; a deny exits 2', async () => {
    const ok = await runHook('gemini', geminiPre(ws.root, 'read_file', { file_path: 'src/a.ts' }), ws.env);
    assert.equal(ok.json?.['decision'], 'allow');
    const denied = await runHook('gemini', geminiPre(ws.root, 'run_shell_command', { command: 'rm -rf src' }), ws.env);
    assert.equal(denied.code, 2);
    assert.equal(denied.json?.['decision'], 'deny');
  });

  it('cursor: beforeReadFile and beforeShellExecution answer permission with messages', async () => {
    const secret = await runHook('cursor', cursorRead(ws.root, path.join(ws.root, '.env')), ws.env);
    assert.equal(secret.json?.['permission'], 'deny');
    assert.ok(!secret.stdout.includes(SECRET));
    const sh = await runHook('cursor', cursorShell(ws.root, 'ls src && npm test'), ws.env);
    assert.equal(sh.json?.['permission'], 'allow');
  });

  it('an unknown agent name is refused with exit 2', async () => {
    const r = await runHook('aider', {}, ws.env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown agent/);
  });
});
