// hooks/plan and hooks/apply through the real harness over stdio: preview without writing, apply only what was confirmed.
import assert from 'node:assert/strict';
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
});
