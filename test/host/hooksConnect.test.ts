// hooks/plan and hooks/apply through the real harness over stdio: preview without writing, apply only what was confirmed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'jsonc-parser';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { startHarness } from '../support/harness.js';
import type { HarnessClient } from '../../src/harness/client.js';

const policy = { version: 1, default: 'ask' };
const COMMAND = "'/opt/node dir/bin/node' /ext/dist/hook.js";

describe('airlock host: connecting agents (hooks/plan, hooks/apply)', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let client: HarnessClient | undefined;
  let home: string;
  beforeEach(async () => {
    ws = makeWorkspace({ '.claude/settings.json': '{\n  // the team\'s settings\n  "permissions": { "allow": ["Bash(npm test)"] }\n}\n' }, policy);
    home = path.join(ws.stateDir, 'home');
    fs.mkdirSync(home);
    client = startHarness(ws.stateDir, { env: { ...process.env, NODE_OPTIONS: '', HOME: home, XDG_STATE_HOME: ws.stateDir, XDG_CONFIG_HOME: ws.stateDir, AIRLOCK_BASELINE_POLICY: '' } });
    await client.initialize({ workspaceRoot: ws.root, prompter: 'deny-all' });
  });
  afterEach(() => {
    client?.terminate();
    client = undefined;
    ws.cleanup();
  });

  it('previews the diff without writing, then writes exactly the confirmed edit, keeping comments and settings', async () => {
    const file = path.join(ws.root, '.claude', 'settings.json');
    const before = fs.readFileSync(file, 'utf8');
    const { plans } = await client!.planHooks({ agents: ['claude-code'], scope: 'project', command: COMMAND });
    assert.equal(plans.length, 1);
    const plan = plans[0]!;
    assert.equal(plan.file, file);
    assert.equal(plan.changed, true);
    assert.equal(plan.installed, false);
    assert.match(plan.diff, /^\+.*'\/opt\/node dir\/bin\/node' \/ext\/dist\/hook\.js claude-code #airlock-hook/m);
    assert.equal(fs.readFileSync(file, 'utf8'), before, 'a preview writes nothing');

    const { applied } = await client!.applyHooks({ agents: ['claude-code'], scope: 'project', command: COMMAND, confirmed: [{ agent: 'claude-code', diff: plan.diff }] });
    assert.deepEqual(applied.map((a) => [a.agent, a.written]), [['claude-code', true]]);
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /\/\/ the team's settings/);
    const value = parse(text) as { permissions: unknown; hooks: { PreToolUse: Array<{ hooks: Array<{ command: string }> }> } };
    assert.deepEqual(value.permissions, { allow: ['Bash(npm test)'] });
    assert.equal(value.hooks.PreToolUse[0]?.hooks[0]?.command, `${COMMAND} claude-code #airlock-hook`);

    const again = await client!.planHooks({ agents: ['claude-code'], scope: 'project', command: COMMAND });
    assert.equal(again.plans[0]?.installed, true);
    assert.equal(again.plans[0]?.changed, false, 'connecting twice changes nothing');
  });

  it('refuses an edit the file no longer matches, and one not confirmed; says why per agent', async () => {
    const { plans } = await client!.planHooks({ agents: ['claude-code', 'gemini'], scope: 'project', command: COMMAND });
    const claude = path.join(ws.root, '.claude', 'settings.json');
    fs.writeFileSync(claude, '{ "model": "changed meanwhile" }\n');
    const { applied } = await client!.applyHooks({
      agents: ['claude-code', 'gemini'], scope: 'project', command: COMMAND,
      confirmed: [{ agent: 'claude-code', diff: plans[0]!.diff }],
    });
    assert.equal(applied[0]?.written, false);
    assert.match(applied[0]!.reason, /changed after the preview/);
    assert.equal(fs.readFileSync(claude, 'utf8'), '{ "model": "changed meanwhile" }\n', 'nothing written over a changed file');
    assert.equal(applied[1]?.written, false);
    assert.match(applied[1]!.reason, /not confirmed/);
    assert.equal(fs.existsSync(path.join(ws.root, '.gemini', 'settings.json')), false);
  });

  it('user scope edits the home folder\'s settings; a settings file it cannot read is a problem, not an overwrite', async () => {
    const { plans } = await client!.planHooks({ agents: ['cursor'], scope: 'user', command: COMMAND });
    assert.equal(plans[0]?.file, path.join(home, '.cursor', 'hooks.json'));
    const { applied } = await client!.applyHooks({ agents: ['cursor'], scope: 'user', command: COMMAND, confirmed: [{ agent: 'cursor', diff: plans[0]!.diff }] });
    assert.equal(applied[0]?.written, true, applied[0]?.reason);
    assert.match(fs.readFileSync(path.join(home, '.cursor', 'hooks.json'), 'utf8'), /hook\.js cursor #airlock-hook/);

    fs.writeFileSync(path.join(ws.root, '.claude', 'settings.json'), '{ "hooks": ');
    const broken = await client!.planHooks({ agents: ['claude-code'], scope: 'project', command: COMMAND });
    assert.equal(broken.plans[0]?.changed, false);
    assert.match(broken.plans[0]!.problem ?? '', /settings\.json:1:\d+: not valid JSON/);
  });

  it('validates the request: unknown agents, scopes and multi-line commands are refused with the field named', async () => {
    await assert.rejects(client!.planHooks({ agents: ['emacs' as never], scope: 'project', command: COMMAND }), /hooks\/plan: invalid params: agents\[0\]/);
    await assert.rejects(client!.planHooks({ agents: ['codex'], scope: 'global' as never, command: COMMAND }), /scope/);
    await assert.rejects(client!.planHooks({ agents: ['codex'], scope: 'project', command: 'node hook.js\nrm -rf ~' }), /command: a single line/);
  });

  it('without a command: the launcher in the state folder, written "$HOME/…" so committed settings run for teammates; it follows the hook across updates and refuses when the hook is gone', async () => {
    client?.terminate();
    // The default state folder (~/.local/state/airlock), as a user without overrides has it.
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', HOME: home, XDG_CONFIG_HOME: ws.stateDir, AIRLOCK_BASELINE_POLICY: '' };
    delete env['XDG_STATE_HOME'];
    delete env['AIRLOCK_STATE_DIR'];
    client = startHarness(ws.stateDir, { env });
    await client.initialize({ workspaceRoot: ws.root, prompter: 'deny-all' });
    const launcher = path.join(home, '.local', 'state', 'airlock', 'bin', 'airlock-hook');
    const { plans } = await client.planHooks({ agents: ['claude-code'], scope: 'project' });
    assert.match(plans[0]!.diff, /^\+.*\\"\$HOME\/\.local\/state\/airlock\/bin\/airlock-hook\\" claude-code #airlock-hook/m);
    assert.equal(fs.existsSync(launcher), false, 'a preview writes nothing');
    const { applied } = await client.applyHooks({ agents: ['claude-code'], scope: 'project', confirmed: [{ agent: 'claude-code', diff: plans[0]!.diff }] });
    assert.equal(applied[0]?.written, true, applied[0]?.reason);
    assert.equal(fs.statSync(launcher).mode & 0o777, 0o700);
    const script = fs.readFileSync(launcher, 'utf8');
    assert.ok(script.includes(process.execPath) && script.includes(path.join('dist', 'hook.js')), script);

    // The command as written, through a shell as agents run it: the hook answers a Claude Code call.
    const command = (parse(fs.readFileSync(path.join(ws.root, '.claude', 'settings.json'), 'utf8')) as { hooks: { PreToolUse: Array<{ hooks: Array<{ command: string }> }> } }).hooks.PreToolUse[0]!.hooks[0]!.command;
    const input = JSON.stringify({ session_id: 's1', transcript_path: '/tmp/t.jsonl', cwd: ws.root, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Write', tool_input: { file_path: path.join(ws.root, '.claude', 'settings.json'), content: '{}' }, tool_use_id: 'toolu_1' });
    const run = (cmd: string) => spawnSync('sh', ['-c', cmd], { input, encoding: 'utf8', env: { ...env, AIRLOCK_STATE_DIR: path.join(ws.stateDir, 'hook-state') }, timeout: 30_000 });
    const ran = run(command);
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(JSON.parse(ran.stdout).hookSpecificOutput.permissionDecision, 'deny', 'an agent may not unhook itself');
    assert.match(JSON.parse(ran.stdout).hookSpecificOutput.permissionDecisionReason, /\.claude\/settings\.json/);

    // The extension moved (an update): a launcher whose hook is gone refuses in each agent's own format.
    fs.writeFileSync(launcher, script.replace(/hook='[^']*'/, "hook='/gone/dist/hook.js'"));
    const claude = run(command);
    assert.equal(claude.status, 2);
    assert.match(claude.stderr, /Airlock refused this tool call: the Airlock hook this launcher starts is gone/);
    const copilot = run(command.replace('claude-code', 'copilot'));
    assert.equal(copilot.status, 0);
    assert.equal(JSON.parse(copilot.stdout).permissionDecision, 'deny');
    // The next harness start points it at the running Airlock's hook again.
    client.terminate();
    client = startHarness(ws.stateDir, { env });
    await client.initialize({ workspaceRoot: ws.root, prompter: 'deny-all' });
    assert.equal(fs.readFileSync(launcher, 'utf8'), script);
    assert.equal(run(command).status, 0);
    // In your own (user) settings: the absolute path, which no HOME of the agent's can send astray.
    const user = await client.planHooks({ agents: ['cursor'], scope: 'user' });
    assert.match(user.plans[0]!.diff, new RegExp(`${launcher.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} cursor #airlock-hook`));
    assert.doesNotMatch(user.plans[0]!.diff, /\$HOME/);
  });
});
