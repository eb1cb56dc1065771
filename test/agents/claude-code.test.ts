// The real Claude Code (the binary `npm ci` installs with @anthropic-ai/claude-agent-sdk) run headless against a scripted
// model on 127.0.0.1, with `airlock hooks install --agent claude-code` done by the real CLI (a command hook, or with
// --http an http hook posting to `airlock hooks serve`): every tool call it makes is decided by the workspace policy (or,
// with the editor's harness running, asked there), refused calls never run, the kill switch stops it, an http endpoint
// that cannot answer blocks the call, and the verifiable log holds the decision and the outcome of each call.
//
// What real Claude Code 2.1.332 does, observed here (where the docs are silent or differ):
// - It talks only to POST /v1/messages (streaming) at ANTHROPIC_BASE_URL with CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC.
// - PreToolUse input: session_id, transcript_path, cwd, prompt_id, permission_mode ("default"), hook_event_name,
//   tool_name, tool_input (file paths made absolute, even when the model sent a relative one) and tool_use_id (always).
//   PostToolUseFailure adds error (the text the model gets), is_interrupt and duration_ms. All are in sdk.d.ts.
// - A project's .claude/settings.json hooks run in -p mode without any trust prompt; ~/.claude/settings.json too.
// - permissionDecision "allow" lets the tool run without Claude Code's own permission prompt (no --allowedTools
//   needed); "deny" blocks it even in bypassPermissions mode; the model gets an error tool_result with the reason,
//   sometimes prefixed "PreToolUse:<Tool> hook error: ", and the call is listed in the result's permission_denials.
// - permissionDecision "ask" in -p mode (nobody to ask, no --permission-prompt-tool) refuses the call the same way,
//   with the reason as the tool_result, even when --allowedTools or acceptEdits would allow it: an ask never runs.
// - continue:false + stopReason ends the run at once: no further model request, result terminal_reason "hook_stopped"
//   and an empty result; the stopReason shows only in stream-json hook_response events.
// - onFailure:"block" is honoured: a hook command that is missing, exits non-zero or times out blocks the call
//   ("…: failed; blocking because onFailure is \"block\""); without it a missing hook is skipped and the tool runs.
// - A subagent's (Agent tool) calls run the same hooks, with the parent's session_id plus agent_id and agent_type.
// - type:"http" hooks: POST of the same JSON (content-type application/json, user-agent axios), headers with $VAR put
//   in only for allowedEnvVars (others sent empty), the same JSON answer. An HTTP error, a non-JSON body or a refused
//   connection is skipped (the call runs!) unless onFailure is "block"; an empty 200 body is no decision even then.
// - Claude Code's own checks run before PreToolUse: a Write or Edit of an existing file not Read first in the session is
//   refused by Claude Code itself ("File has not been read yet") and the hook is never called for it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { PostToolUseFailureHookInput, PostToolUseHookInput, PreToolUseHookInput } from '@anthropic-ai/claude-agent-sdk';
import { parseHookInput } from '../../sandbox/hooks/agents.js';
import type { ApprovalRequest } from '../../sandbox/pipeline/types.js';
import { HarnessClient } from '../../src/harness/client.js';
import { FakeAnthropic, type MessagesBody, type ToolResult, type Turn } from '../support/fakeAnthropic.js';
import { claudeBinary, runAirlockBin, runClaude, type ClaudeRun } from '../support/claudeCode.js';
import { startServe, stopServe, type ServeChild } from '../support/hookServe.js';
import { hookLogEntries, makeWorkspace, SECRET, startEditorHarness } from '../hooks/support.js';

type Ws = ReturnType<typeof makeWorkspace>;
type Entry = Record<string, unknown> & { kind: string; seq: number; verdict?: string; outcome?: string; ref?: number; decidedBy?: string; target?: string; data?: Record<string, unknown> };

/** How the hook is put into Claude Code's settings, and what else that way needs running (an endpoint) or set (a token). */
interface HookTransport {
  name: string;
  /** Whether every case runs over it, or only those marked `everyTransport` (each claude run costs seconds). */
  runsEveryCase: boolean;
  install(ws: Ws, extraArgs?: readonly string[]): Promise<void>;
  /** What Claude Code's environment needs for this way (the http hook's token). */
  claudeEnv(): Record<string, string>;
  /** Stops what install started; a no-op when nothing runs. */
  stop(): Promise<void>;
}

const commandHook: HookTransport = {
  name: 'command hook',
  runsEveryCase: true,
  async install(ws, extraArgs = []) {
    const r = await runAirlockBin(['hooks', 'install', '--agent', 'claude-code', '--scope', 'project', ...extraArgs], { cwd: ws.root, env: ws.env });
    assert.equal(r.code, 0, `airlock hooks install failed: ${r.stderr}`);
    assert.match(r.stdout, /claude-code: installed in .*\.claude\/settings\.json/);
  },
  claudeEnv: () => ({}),
  stop: () => Promise.resolve(),
};

/**
 * What a user of the http hook does: `airlock hooks install --agent claude-code --http` (an http hook with onFailure
 * "block" in the project's settings), `airlock hooks serve` running (a real child process, stopped after each test), and
 * the token from `airlock hooks token` in Claude Code's environment as AIRLOCK_HOOK_TOKEN.
 */
function httpHookTransport(): HookTransport & { serving(): ServeChild | undefined; token(): string } {
  let serve: ServeChild | undefined;
  let token = '';
  return {
    name: 'http hook, airlock hooks serve',
    runsEveryCase: false,
    async install(ws, extraArgs = []) {
      const r = await runAirlockBin(['hooks', 'install', '--agent', 'claude-code', '--http', '--scope', 'project', ...extraArgs], { cwd: ws.root, env: ws.env });
      assert.equal(r.code, 0, `airlock hooks install --http failed: ${r.stderr}`);
      assert.match(r.stdout, /claude-code: installed in .*\.claude\/settings\.json/);
      serve = await startServe(ws.env);
      const t = await runAirlockBin(['hooks', 'token'], { cwd: ws.root, env: ws.env });
      assert.equal(t.code, 0, t.stderr);
      token = t.stdout.trim();
      assert.match(token, /^\S{32,}$/);
    },
    claudeEnv: (): Record<string, string> => (token ? { AIRLOCK_HOOK_TOKEN: token } : {}),
    async stop() {
      const child = serve?.child;
      serve = undefined;
      token = '';
      if (child) await stopServe(child);
    },
    serving: () => serve,
    token: () => token,
  };
}
const httpHook = httpHookTransport();

/** Why nothing here can run on this machine, or undefined. Only a platform Claude Code ships no binary for may skip. */
function unavailable(): string | undefined {
  const bin = claudeBinary();
  if (!('missing' in bin)) return undefined;
  const shipped = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
  if (shipped.includes(`${process.platform}-${process.arch}`)) throw new Error(bin.missing);
  return bin.missing;
}

/**
 * The scripted model for a suite, started before it and closed after. Where this platform has no Claude Code binary
 * the suite is skipped, saying why (never counted as passed). Call it first in a suite, before its own hooks.
 */
function scriptedModel(): FakeAnthropic {
  const fake = new FakeAnthropic();
  before(async function () {
    const why = unavailable();
    if (why) {
      console.warn(`\n  SKIPPED (not passed): real Claude Code tests: ${why}\n`);
      this.skip();
    }
    await fake.start();
  });
  after(() => fake.close());
  return fake;
}

/** Every field the SDK's published hook input types name: a field outside them is a format change to look at. */
type HookInputKey = keyof PreToolUseHookInput | keyof PostToolUseHookInput | keyof PostToolUseFailureHookInput;
const PUBLISHED_KEYS: readonly HookInputKey[] = ['session_id', 'transcript_path', 'cwd', 'prompt_id', 'permission_mode', 'agent_id', 'agent_type',
  'hook_event_name', 'tool_name', 'tool_input', 'tool_use_id', 'tool_response', 'error', 'is_interrupt', 'duration_ms', 'mcp_server'];

const texts = (results: ToolResult[]) => results.map((r) => r.text).join('\n');

function describeRun(run: ClaudeRun, fake: FakeAnthropic): string {
  return `claude exited ${run.code} (${run.signal ?? 'no signal'}) after ${run.ms} ms; stderr: ${run.stderr.slice(0, 800)}; result: ${JSON.stringify(run.result)?.slice(0, 800)}; tool results: ${JSON.stringify(fake.toolResults()).slice(0, 1500)}`;
}

for (const transport of [commandHook, httpHook]) {
  describe(`real Claude Code through Airlock (${transport.name}, headless, scripted model)`, function () {
    this.timeout(60000);
    const fake = scriptedModel();
    let ws: Ws;
    /** A case that runs over every transport: it shows the way the hook is wired carries the same decisions. */
    const everyTransport = it;
    /** A case about Airlock's decisions rather than the wiring: run over the command hook only, to keep the file fast. */
    const commandOnly = (title: string, fn: Mocha.AsyncFunc) => { if (transport.runsEveryCase) it(title, fn); };

    beforeEach(() => { ws = makeWorkspace(); });
    afterEach(async () => {
      await transport.stop();
      ws.cleanup();
    });

    const claude = async (script: Turn[], args: readonly string[] = []) => {
      fake.play(script);
      const run = await runClaude({ cwd: ws.root, baseUrl: fake.url, home: ws.env['HOME']!, env: { AIRLOCK_STATE_DIR: ws.state, ...transport.claudeEnv() }, args });
      assert.ok(run.result?.type === 'result', `Claude Code printed no result: ${describeRun(run, fake)}`);
      return run;
    };
    const file = (rel: string) => path.join(ws.root, rel);
    const resultOf = (id: string | undefined) => fake.toolResults().find((r) => r.tool_use_id === id);
    /** The tool_use ids the scripted model handed out, in order. */
    const toolUseIds = () => fake.issued.map((i) => i.id);
    /** The session's log, read and verified with the `airlock` CLI a user runs. */
    const sessionLog = async (session: string) => {
      const dir = path.join(ws.state, 'logs');
      const found: string[] = [];
      const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name === `claude-code-${session}.jsonl`) found.push(p); } };
      walk(dir);
      assert.equal(found.length, 1, `one hook log for session ${session} under ${dir}`);
      const verified = await runAirlockBin(['verify', found[0]!, '--json'], { cwd: ws.root, env: ws.env });
      const report = JSON.parse(verified.stdout) as { ok: boolean };
      assert.equal(report.ok, true, `the log verifies: ${verified.stdout}${verified.stderr}`);
      const read = await runAirlockBin(['log', found[0]!, '--json'], { cwd: ws.root, env: ws.env });
      assert.equal(read.code, 0, read.stderr);
      return read.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry);
    };

    commandOnly('without Airlock the harness shows the secret reaching the model (so the refusals below are Airlock\'s)', async () => {
      const run = await claude([{ tool: 'Read', input: { file_path: file('.env') } }, { text: 'read it' }], ['--allowedTools', 'Read']);
      assert.ok(fake.everythingSent().includes(SECRET), `the unhooked Read sends the secret to the model: ${describeRun(run, fake)}`);
      assert.deepEqual(run.result?.permission_denials, []);
    });

    everyTransport('an allowed Read runs, its content reaches the model, and the verified log links the decision and the outcome', async () => {
      await transport.install(ws);
      const run = await claude([
        { tool: 'Read', input: { file_path: file('src/a.ts') } },
        { tool: 'Read', input: { file_path: file('src/missing.ts') } },
        { text: 'done' },
      ]);
      const [readId, missingId] = toolUseIds();
      assert.match(resultOf(readId)?.text ?? '', /export const a = 1;/, describeRun(run, fake));
      assert.notEqual(resultOf(readId)?.is_error, true);
      assert.match(resultOf(missingId)?.text ?? '', /does not exist/i);
      assert.equal(run.result?.result, 'done');
      assert.deepEqual(run.result?.permission_denials, []);

      const session = run.result!.session_id!;
      const entries = await sessionLog(session);
      const decisions = entries.filter((e) => e.kind === 'decision');
      const outcomes = entries.filter((e) => e.kind === 'outcome');
      const decision = decisions.find((e) => (e.data?.['agent'] as { toolUseId?: string }).toolUseId === readId);
      assert.ok(decision, `a decision for ${readId}: ${JSON.stringify(decisions)}`);
      assert.equal(decision.verdict, 'allow');
      assert.equal(decision.target, 'src/a.ts', 'Claude Code sends the absolute path; Airlock records it as the policy writes it');
      assert.deepEqual(decision.data?.['agent'], { name: 'claude-code', session, tool: 'Read', toolUseId: readId });
      const done = outcomes.find((e) => e.ref === decision.seq);
      assert.equal(done?.outcome, 'done', `the PostToolUse outcome is linked to the decision: ${JSON.stringify(outcomes)}`);
      // The failed Read reached Airlock as PostToolUseFailure: an error outcome linked to its own decision.
      const missing = decisions.find((e) => (e.data?.['agent'] as { toolUseId?: string }).toolUseId === missingId);
      assert.equal(outcomes.find((e) => e.ref === missing?.seq)?.outcome, 'error');
    });

    commandOnly('the hook inputs real Claude Code sends are those Airlock parses (captured next to Airlock\'s hook)', async () => {
      await transport.install(ws);
      // A second hook on every event appends its stdin to a file: exactly what Claude Code gave Airlock's hook.
      const capture = path.join(ws.root, '..', 'hook-inputs.jsonl');
      const settingsFile = file('.claude/settings.json');
      const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { hooks: Record<string, unknown[]> };
      for (const event of ['PreToolUse', 'PostToolUse', 'PostToolUseFailure']) {
        settings.hooks[event]!.push({ matcher: '*', hooks: [{ type: 'command', command: `{ cat; echo; } >> '${capture}'` }] });
      }
      fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
      await claude([
        { tool: 'Read', input: { file_path: 'src/a.ts' } },
        { tool: 'Bash', input: { command: 'ls src', description: 'list src' } },
        { tool: 'Read', input: { file_path: file('src/missing.ts') } },
        { text: 'done' },
      ]);
      const inputs = fs.readFileSync(capture, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
      const [read, bash, missing] = toolUseIds();
      const events = inputs.map((i) => `${String(i['hook_event_name'])}:${String(i['tool_use_id'])}`).sort();
      assert.deepEqual(events, [`PostToolUse:${bash}`, `PostToolUse:${read}`, `PostToolUseFailure:${missing}`, `PreToolUse:${bash}`, `PreToolUse:${missing}`, `PreToolUse:${read}`].sort());
      for (const input of inputs) {
        const unknown = Object.keys(input).filter((k) => !(PUBLISHED_KEYS as readonly string[]).includes(k));
        assert.deepEqual(unknown, [], `Claude Code sent fields its published types do not name; check sandbox/hooks/agents.ts: ${JSON.stringify(input)}`);
        const call = parseHookInput('claude-code', input);
        assert.equal(call.toolUseId, input['tool_use_id']);
        assert.equal(call.cwd, ws.root);
        assert.equal(call.event, input['hook_event_name'] === 'PreToolUse' ? 'pre' : 'post');
        if (input['hook_event_name'] === 'PostToolUseFailure') assert.equal(call.failed, true);
      }
      // Claude Code makes the model's relative path absolute before any hook sees it.
      const readPre = inputs.find((i) => i['hook_event_name'] === 'PreToolUse' && i['tool_use_id'] === read);
      assert.deepEqual(readPre?.['tool_input'], { file_path: file('src/a.ts') });
    });

    everyTransport('a Read of .env is refused before it runs: the secret never reaches the model, the reason does', async () => {
      await transport.install(ws);
      const run = await claude([{ tool: 'Read', input: { file_path: '.env' } }, { text: 'refused' }]);
      const [id] = toolUseIds();
      const result = resultOf(id);
      assert.equal(result?.is_error, true, describeRun(run, fake));
      assert.match(result?.text ?? '', /fs\.read "\.env" is denied by workspace policy fs\.read\.deny\[0\] "\*\*\/\.env\*"/);
      assert.ok(!fake.everythingSent().includes(SECRET), 'the secret never reached the model server');
      assert.deepEqual(run.result?.permission_denials?.map((d) => [d.tool_use_id, d.tool_name, d.tool_input]), [[id, 'Read', { file_path: file('.env') }]]);
      const decision = (await sessionLog(run.result!.session_id!)).find((e) => e.kind === 'decision');
      assert.equal(decision?.verdict, 'deny');
      assert.equal(decision?.target, '.env', 'recorded as the policy writes it (workspace-relative)');
      assert.ok(!JSON.stringify(decision).includes(SECRET));
    });

    commandOnly('a search over a folder holding the secret (Grep of the workspace, `grep -r`) does not hand the secret to the model', async function () {
      // Found by this suite with the real Claude Code: a Grep (or `grep -r … .`) was judged as an fs.read of its root
      // folder alone, and the tool then read .env beneath it. A recursive read now also reads every denied file beneath.
      await transport.install(ws);
      const run = await claude([
        { tool: 'Grep', input: { pattern: 'API_KEY', path: ws.root, output_mode: 'content' } },
        { tool: 'Bash', input: { command: 'grep -r API_KEY .' } },
        { text: 'done' },
      ], ['--allowedTools', 'Grep', 'Bash']);
      assert.ok(!fake.everythingSent().includes(SECRET), describeRun(run, fake));
      for (const id of toolUseIds()) {
        assert.equal(resultOf(id)?.is_error, true, describeRun(run, fake));
        assert.match(resultOf(id)?.text ?? '', /fs\.read "\.env" is denied.*reads everything under/);
      }
    });

    commandOnly('a subagent\'s tool calls go through Airlock too: its Read of .env is refused, its allowed Read runs', async () => {
      await transport.install(ws);
      const SUB = 'SUBAGENT-TASK: look around';
      const isSubagent = (body: MessagesBody) => JSON.stringify(body.messages?.[0]?.content ?? '').includes(SUB);
      const sub: Turn[] = [{ tool: 'Read', input: { file_path: file('.env') } }, { tool: 'Read', input: { file_path: file('src/a.ts') } }, { text: 'sub done' }];
      const main: Turn[] = [{ tool: 'Agent', input: { description: 'look around', prompt: SUB, subagent_type: 'general-purpose', run_in_background: false } }, { text: 'main done' }];
      fake.play((body, i) => (isSubagent(body) ? sub : main)[i]);
      const run = await runClaude({ cwd: ws.root, baseUrl: fake.url, home: ws.env['HOME']!, env: { AIRLOCK_STATE_DIR: ws.state } });
      const byName = fake.issued.map((i) => i.name);
      assert.deepEqual(byName, ['Agent', 'Read', 'Read'], describeRun(run, fake));
      const [, envRead, srcRead] = toolUseIds();
      assert.ok(fake.turns.some((t) => t.body && isSubagent(t.body)), 'the subagent talked to the model');
      assert.match(resultOf(envRead)?.text ?? '', /\.env" is denied by workspace policy/);
      assert.match(resultOf(srcRead)?.text ?? '', /export const a = 1;/);
      assert.ok(!fake.everythingSent().includes(SECRET));
      assert.equal(run.result?.result, 'main done');
      const decisions = (await sessionLog(run.result!.session_id!)).filter((e) => e.kind === 'decision');
      assert.equal(decisions.find((e) => (e.data?.['agent'] as { toolUseId?: string }).toolUseId === envRead)?.verdict, 'deny');
    });

    commandOnly('installed for the user (~/.claude/settings.json) instead of the project, the same refusal holds', async () => {
      const r = await runAirlockBin(['hooks', 'install', '--agent', 'claude-code', '--scope', 'user'], { cwd: ws.root, env: ws.env });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(fs.existsSync(path.join(ws.env['HOME']!, '.claude', 'settings.json')) && !fs.existsSync(file('.claude/settings.json')));
      const run = await claude([{ tool: 'Bash', input: { command: 'cat .env' } }, { text: 'refused' }], ['--allowedTools', 'Bash']);
      const [id] = toolUseIds();
      assert.match(resultOf(id)?.text ?? '', /\.env" is denied by workspace policy/, describeRun(run, fake));
      assert.ok(!fake.everythingSent().includes(SECRET));
    });

    commandOnly('a Bash compound command with one refused part is refused whole; an allowed command runs', async () => {
      await transport.install(ws);
      const run = await claude([
        { tool: 'Bash', input: { command: 'ls && cat .env', description: 'list and show' } },
        { tool: 'Bash', input: { command: 'ls src', description: 'list src' } },
        { text: 'done' },
      ]);
      const [compound, plain] = toolUseIds();
      assert.equal(resultOf(compound)?.is_error, true, describeRun(run, fake));
      assert.match(resultOf(compound)?.text ?? '', /\.env" is denied .*one of 3 parts of this call; every part must be allowed/);
      assert.match(resultOf(plain)?.text ?? '', /^a\.ts$/m, 'the allowed ls ran');
      assert.ok(!fake.everythingSent().includes(SECRET));
    });

    commandOnly('the agent cannot unhook itself: writes to .claude/settings.json and .airlock/policy.json are refused, files unchanged', async () => {
      await transport.install(ws);
      const settings = fs.readFileSync(file('.claude/settings.json'), 'utf8');
      const policy = fs.readFileSync(file('.airlock/policy.json'), 'utf8');
      const run = await claude([
        // Claude Code refuses a Write of an existing file not Read first (before any hook): read it, as a model would.
        { tool: 'Read', input: { file_path: file('.claude/settings.json') } },
        { tool: 'Write', input: { file_path: file('.claude/settings.json'), content: '{}\n' } },
        { tool: 'Read', input: { file_path: file('.airlock/policy.json') } },
        { tool: 'Edit', input: { file_path: file('.airlock/policy.json'), old_string: '"version": 1', new_string: '"version": 2' } },
        { tool: 'Bash', input: { command: 'echo {} > .claude/settings.json' } },
        { text: 'done' },
      ], ['--allowedTools', 'Read', 'Write', 'Edit', 'Bash']);
      const [, write, , edit, bash] = toolUseIds();
      for (const [id, target] of [[write, '.claude/settings.json'], [edit, '.airlock/policy.json'], [bash, '.claude/settings.json']] as const) {
        assert.equal(resultOf(id)?.is_error, true, describeRun(run, fake));
        assert.match(resultOf(id)?.text ?? '', new RegExp(`fs\\.write "${target.replace(/\./g, '\\.')}" is denied by built-in protection`));
      }
      assert.equal(fs.readFileSync(file('.claude/settings.json'), 'utf8'), settings);
      assert.equal(fs.readFileSync(file('.airlock/policy.json'), 'utf8'), policy);
    });

    commandOnly('an out-of-scope write is asked; headless Claude Code has nobody to ask, so it does not run', async () => {
      await transport.install(ws);
      // acceptEdits would let Claude Code write on its own: Airlock's ask still stops it.
      const run = await claude([{ tool: 'Write', input: { file_path: file('notes.md'), content: 'x' } }, { text: 'done' }], ['--permission-mode', 'acceptEdits']);
      const [id] = toolUseIds();
      assert.equal(resultOf(id)?.is_error, true, describeRun(run, fake));
      assert.match(resultOf(id)?.text ?? '', /Airlock asks: no rule allows fs\.write "notes\.md"/);
      assert.ok(!fs.existsSync(file('notes.md')));
      const decision = (await sessionLog(run.result!.session_id!)).find((e) => e.kind === 'decision');
      assert.equal(decision?.verdict, 'ask');
      assert.match(String(decision?.data?.['askedVia']), /agent's own prompt/);
    });

    everyTransport('the kill switch between two tool calls: the next call is refused and Claude Code stops at once', async () => {
      await transport.install(ws);
      let killed = '';
      const run = await claude([
        { tool: 'Read', input: { file_path: file('src/a.ts') } },
        {
          tool: 'Write', input: { file_path: file('src/b.ts'), content: 'export const b = 2;\n' },
          before: async () => {
            const r = await runAirlockBin(['hooks', 'kill'], { cwd: ws.root, env: ws.env });
            killed = `${r.code} ${r.stdout}${r.stderr}`;
          },
        },
        { text: 'never asked for' },
      ]);
      assert.match(killed, /^0 stopped every agent session/);
      const [readId, writeId] = toolUseIds();
      assert.match(resultOf(readId)?.text ?? '', /export const a = 1;/);
      assert.ok(!fs.existsSync(file('src/b.ts')), 'the write after the kill did not run');
      assert.equal(run.result?.terminal_reason, 'hook_stopped', describeRun(run, fake));
      assert.equal(fake.turns.length, 2, 'no model request after the kill');
      assert.deepEqual(run.result?.permission_denials?.map((d) => d.tool_use_id), [writeId]);
      const stop = (await sessionLog(run.result!.session_id!)).find((e) => e.kind === 'decision' && e.decidedBy === 'killswitch');
      assert.equal(stop?.verdict, 'deny');
      assert.equal((stop?.data?.['agent'] as { toolUseId?: string }).toolUseId, writeId);
    });

    commandOnly('a broken policy refuses every call', async () => {
      await transport.install(ws);
      fs.writeFileSync(file('.airlock/policy.json'), '{ "version": 1, "fs": ');
      const run = await claude([
        { tool: 'Read', input: { file_path: file('src/a.ts') } },
        { tool: 'Bash', input: { command: 'ls' } },
        { text: 'done' },
      ], ['--allowedTools', 'Read', 'Bash']);
      const ids = toolUseIds();
      assert.equal(ids.length, 2);
      for (const id of ids) {
        assert.equal(resultOf(id)?.is_error, true, describeRun(run, fake));
        assert.match(resultOf(id)?.text ?? '', /Airlock refused this tool call: the workspace policy does not load \(.*policy\.json/);
      }
      assert.ok(!texts(fake.toolResults()).includes('export const a'));
    });

    commandOnly('a hook that cannot run blocks the call (the installed onFailure "block"), it is not skipped', async () => {
      await transport.install(ws, ['--command', path.join(ws.root, '..', 'moved-away', 'airlock-hook')]);
      const run = await claude([{ tool: 'Read', input: { file_path: file('src/a.ts') } }, { text: 'done' }], ['--allowedTools', 'Read']);
      const [id] = toolUseIds();
      assert.equal(resultOf(id)?.is_error, true, describeRun(run, fake));
      assert.match(resultOf(id)?.text ?? '', /blocking because onFailure is "block"/);
      assert.ok(!texts(fake.toolResults()).includes('export const a'));
    });
  });
}

describe('real Claude Code through the http hook when the endpoint cannot answer (airlock hooks serve, onFailure "block")', function () {
  this.timeout(60000);
  const fake = scriptedModel();
  let ws: Ws;

  beforeEach(async () => {
    ws = makeWorkspace();
    await httpHook.install(ws);
  });
  afterEach(async () => {
    await httpHook.stop();
    ws.cleanup();
  });

  /** Claude Code asked (by the scripted model) to Read src/a.ts, with the given environment; its one tool result. */
  const readA = async (env: Record<string, string>) => {
    fake.play([{ tool: 'Read', input: { file_path: path.join(ws.root, 'src', 'a.ts') } }, { text: 'done' }]);
    const run = await runClaude({ cwd: ws.root, baseUrl: fake.url, home: ws.env['HOME']!, env: { AIRLOCK_STATE_DIR: ws.state, ...env }, args: ['--allowedTools', 'Read'] });
    assert.ok(run.result?.type === 'result', `Claude Code printed no result: ${describeRun(run, fake)}`);
    const [id] = fake.issued.map((i) => i.id);
    const result = fake.toolResults().find((r) => r.tool_use_id === id);
    assert.ok(result, describeRun(run, fake));
    return { run, result };
  };
  /** Stops the endpoint as a user would (Ctrl-C): it exits cleanly, and nothing listens on its port any more. */
  const stopEndpoint = async () => {
    const child = httpHook.serving()?.child;
    assert.ok(child, 'the endpoint runs');
    const token = httpHook.token();
    await httpHook.stop();
    assert.equal(child.exitCode, 0, 'the endpoint exits cleanly on SIGTERM');
    return token;
  };

  it('without the token in its environment, Claude Code gets 401 and blocks the call (onFailure "block"); nothing is decided', async () => {
    const { run, result } = await readA({});
    assert.equal(result.is_error, true, describeRun(run, fake));
    assert.match(result.text, /HTTP 401/);
    assert.equal(run.result?.permission_denials?.length, 1);
    assert.ok(!texts(fake.toolResults()).includes('export const a'));
    assert.deepEqual(hookLogEntries(ws.state), [], 'nothing was decided or logged');
  });

  it('with the endpoint stopped, the call is blocked, not let through', async () => {
    const token = await stopEndpoint();
    const { run, result } = await readA({ AIRLOCK_HOOK_TOKEN: token });
    assert.equal(result.is_error, true, describeRun(run, fake));
    assert.match(result.text, /ECONNREFUSED/);
    assert.equal(run.result?.permission_denials?.length, 1);
    assert.ok(!texts(fake.toolResults()).includes('export const a'));
  });

  it('why install sets onFailure: without it, Claude Code lets the call through when the endpoint does not answer', async () => {
    const token = await stopEndpoint();
    const settings = path.join(ws.root, '.claude', 'settings.json');
    const installed = fs.readFileSync(settings, 'utf8');
    assert.match(installed, /"onFailure": "block"/);
    fs.writeFileSync(settings, installed.replace(/,\s*"onFailure": "block"/g, ''));
    const { run, result } = await readA({ AIRLOCK_HOOK_TOKEN: token });
    assert.deepEqual(run.result?.permission_denials, []);
    assert.match(result.text, /export const a = 1/, 'the Read ran unchecked');
  });
});

describe('real Claude Code through Airlock with the editor\'s harness running (airlock host, approvals answered by its client)', function () {
  this.timeout(60000);
  const fake = scriptedModel();
  let ws: Ws;
  let harness: HarnessClient;
  const asked: ApprovalRequest[] = [];
  let answer: 'allow-once' | 'deny' = 'allow-once';

  beforeEach(async () => {
    ws = makeWorkspace();
    asked.length = 0;
    // The extension's own client starts `airlock host` and answers its approvals: here a script stands for the person.
    harness = await startEditorHarness(ws, (request) => { asked.push(request); return answer; });
    await commandHook.install(ws);
  });
  afterEach(async () => {
    await harness.shutdown().catch(() => undefined);
    ws.cleanup();
  });

  const claude = async (script: Turn[], args: readonly string[] = []) => {
    fake.play(script);
    const run = await runClaude({ cwd: ws.root, baseUrl: fake.url, home: ws.env['HOME']!, env: { AIRLOCK_STATE_DIR: ws.state }, args });
    assert.ok(run.result?.type === 'result', `Claude Code printed no result: ${describeRun(run, fake)}`);
    return run;
  };
  const file = (rel: string) => path.join(ws.root, rel);
  const resultOf = (id: string | undefined) => fake.toolResults().find((r) => r.tool_use_id === id);

  it('an out-of-scope write is asked in the editor: Allow once lets it run, Deny refuses the next one', async () => {
    const task = await harness.startTask({ intent: 'fix the tests', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } } } });
    const run = await claude([
      { tool: 'Write', input: { file_path: file('src/b.ts'), content: 'export const b = 2;\n' } },
      { tool: 'Write', input: { file_path: file('notes.md'), content: 'allowed once\n' } },
      { tool: 'Write', input: { file_path: file('todo.md'), content: 'refused\n' }, before: () => { answer = 'deny'; } },
      { text: 'done' },
    ]);
    const [inScope, once, refused] = fake.issued.map((i) => i.id);
    assert.match(resultOf(inScope)?.text ?? '', /File created successfully/, describeRun(run, fake));
    assert.match(resultOf(once)?.text ?? '', /File created successfully/);
    assert.equal(fs.readFileSync(file('notes.md'), 'utf8'), 'allowed once\n');
    assert.equal(resultOf(refused)?.is_error, true);
    assert.match(resultOf(refused)?.text ?? '', /the user refused it \(no rule allows fs\.write "todo\.md"/);
    assert.ok(!fs.existsSync(file('todo.md')), 'the refused write did not run');
    // Only the out-of-scope writes were asked, each naming the agent and the very tool call.
    assert.deepEqual(asked.map((a) => [a.agent?.name, a.agent?.toolUseId, a.task.id]), [['claude-code', once, task.id], ['claude-code', refused, task.id]]);
    assert.equal(asked[0]!.agent?.session, run.result?.session_id);
    const log = await harness.readLog({}) as Entry[];
    const decisionsFor = (id: string | undefined) => log.filter((e) => e.kind === 'decision' && (e.data?.['agent'] as { toolUseId?: string } | undefined)?.toolUseId === id);
    // Each asked call: the policy's ask, then the person's answer as the final decision; the outcome refers to that.
    for (const [id, allowed] of [[once, true], [refused, false]] as const) {
      const [policyAsk, userAnswer] = decisionsFor(id);
      assert.deepEqual([policyAsk?.decidedBy, policyAsk?.verdict, userAnswer?.decidedBy, userAnswer?.data?.['allowed'], userAnswer?.task], ['policy', 'ask', 'user', allowed, task.id], JSON.stringify(decisionsFor(id)));
      const outcome = log.find((e) => e.kind === 'outcome' && e.ref === userAnswer?.seq);
      assert.equal(outcome?.outcome, allowed ? 'done' : undefined);
    }
  });

  it('the editor\'s kill switch between two tool calls refuses the next call and stops Claude Code', async () => {
    const task = await harness.startTask({ intent: 'work', scope: { fs: { read: { allow: ['**'] }, write: { allow: ['src/**'] } } } });
    const run = await claude([
      { tool: 'Read', input: { file_path: file('src/a.ts') } },
      { tool: 'Write', input: { file_path: file('src/b.ts'), content: 'x' }, before: async () => { await harness.kill(task.id, 'the user pulled the kill switch'); } },
      { text: 'never asked for' },
    ]);
    assert.match(fake.toolResults()[0]?.text ?? '', /export const a = 1;/, describeRun(run, fake));
    assert.ok(!fs.existsSync(file('src/b.ts')));
    assert.equal(run.result?.terminal_reason, 'hook_stopped');
    assert.equal(fake.turns.length, 2, 'no model request after the kill');
    assert.equal(asked.length, 0);
    const writeId = fake.issued[1]?.id;
    const log = await harness.readLog({}) as Entry[];
    const stop = log.find((e) => e.kind === 'decision' && (e.data?.['agent'] as { toolUseId?: string } | undefined)?.toolUseId === writeId);
    assert.deepEqual([stop?.verdict, stop?.decidedBy], ['deny', 'killswitch'], JSON.stringify(log.slice(-4)));
    assert.match(String(stop?.data?.['reason']), new RegExp(`task ${task.id} .*kill switch`));
  });
});

describe('Claude Code\'s http hook: the contract an Airlock HTTP endpoint relies on (real Claude Code, a recording endpoint)', function () {
  this.timeout(60000);
  const fake = scriptedModel();
  let ws: Ws;
  let endpoint: http.Server;
  const received: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: Record<string, unknown> }> = [];
  /** What the endpoint answers to a PreToolUse call: a status and a body. */
  let reply: { status: number; body: string } = { status: 200, body: '' };

  before(async () => {
    endpoint = http.createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => { text += d; });
      req.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        const r = body['hook_event_name'] === 'PreToolUse' ? reply : { status: 200, body: '{}' };
        res.writeHead(r.status, { 'content-type': 'application/json' });
        res.end(r.body);
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    endpoint?.closeAllConnections();
    await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
  });
  beforeEach(() => { ws = makeWorkspace(); received.length = 0; });
  afterEach(() => ws.cleanup());

  const readWith = async (hook: Record<string, unknown>) => {
    fs.mkdirSync(path.join(ws.root, '.claude'), { recursive: true });
    fs.writeFileSync(path.join(ws.root, '.claude', 'settings.json'), JSON.stringify({ hooks: { PreToolUse: [{ matcher: '*', hooks: [hook] }] } }));
    fake.play([{ tool: 'Read', input: { file_path: path.join(ws.root, 'src', 'a.ts') } }, { text: 'done' }]);
    const run = await runClaude({ cwd: ws.root, baseUrl: fake.url, home: ws.env['HOME']!, env: { AIRLOCK_HOOK_TOKEN: 'tok-123', NOT_LISTED: 'must-not-be-sent' }, args: ['--allowedTools', 'Read'] });
    const result = fake.toolResults()[0];
    assert.ok(result, describeRun(run, fake));
    return result;
  };
  const url = () => `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/hook/claude-code`;

  it('POSTs the same JSON as the command hook\'s stdin, with only allowedEnvVars put into headers, and reads the same JSON answer', async () => {
    reply = { status: 200, body: JSON.stringify({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: 'refused over http' } }) };
    const result = await readWith({ type: 'http', url: url(), headers: { Authorization: 'Bearer $AIRLOCK_HOOK_TOKEN', 'X-Not-Listed': '$NOT_LISTED' }, allowedEnvVars: ['AIRLOCK_HOOK_TOKEN'], timeout: 30 });
    assert.equal(result.is_error, true);
    assert.match(result.text, /refused over http/);
    const [call] = received;
    assert.equal(call?.method, 'POST');
    assert.equal(call?.url, '/hook/claude-code');
    assert.equal(call?.headers['content-type'], 'application/json');
    assert.equal(call?.headers['authorization'], 'Bearer tok-123');
    assert.equal(call?.headers['x-not-listed'], '', 'a variable not in allowedEnvVars is sent empty');
    assert.equal(parseHookInput('claude-code', call?.body).toolUseId, fake.issued[0]?.id);
  });

  it('an endpoint that fails (HTTP 500) is skipped and the call RUNS, unless the hook says onFailure "block"', async () => {
    reply = { status: 500, body: 'boom' };
    const open = await readWith({ type: 'http', url: url(), timeout: 30 });
    assert.match(open.text, /export const a = 1;/, 'fails open without onFailure');
    const blocked = await readWith({ type: 'http', url: url(), timeout: 30, onFailure: 'block' });
    assert.equal(blocked.is_error, true);
    assert.match(blocked.text, /blocking because onFailure is "block"\nHTTP 500/);
  });

  it('an empty 200 answer is no decision at all: the call runs even with onFailure "block" (an endpoint must answer a deny as JSON)', async () => {
    reply = { status: 200, body: '' };
    const result = await readWith({ type: 'http', url: url(), timeout: 30, onFailure: 'block' });
    assert.match(result.text, /export const a = 1;/);
  });
});
