// The user's or organisation's baseline under a workspace policy, from the command line and in the harness: a workspace
// file can add denies but never widen the baseline.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runAirlock } from '../support/cli.js';
import { startHarness } from '../support/harness.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import type { HarnessClient } from '../../src/harness/client.js';

const WORKSPACE_POLICY = { version: 1, fs: { read: { allow: ['**'] }, write: { allow: ['src/**'] } } };
const BASELINE = { version: 1, default: 'ask', fs: { read: { allow: ['**'], deny: ['**/*.key'] }, write: { allow: ['src/core/**'] } } };

describe('baseline (user/organisation) policy', function () {
  this.timeout(30000);
  let ws: TempWorkspace;
  let baseline: string;
  let client: HarnessClient | undefined;
  beforeEach(() => {
    ws = makeWorkspace({ 'src/core/a.ts': 'a', 'src/ui/b.ts': 'b', 'src/x.key': 'k' }, WORKSPACE_POLICY);
    baseline = path.join(ws.stateDir, 'org-policy.json');
    fs.writeFileSync(baseline, JSON.stringify(BASELINE));
  });
  afterEach(() => { client?.terminate(); client = undefined; ws.cleanup(); });

  const explain = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    runAirlock(['policy', 'explain', '--workspace', ws.root, '--json', ...args], { env });

  it('narrows what the workspace allows and adds its own denies', async () => {
    const inBoth = await explain(['--baseline', baseline, 'fs.write', 'src/core/a.ts']);
    assert.equal(JSON.parse(inBoth.stdout).verdict, 'allow', inBoth.stderr);
    const workspaceOnly = JSON.parse((await explain(['--baseline', baseline, 'fs.write', 'src/ui/b.ts'])).stdout);
    assert.equal(workspaceOnly.verdict, 'ask');
    assert.match(workspaceOnly.reason, /baseline/);
    const denied = JSON.parse((await explain(['--baseline', baseline, 'fs.read', 'src/x.key'])).stdout);
    assert.deepEqual([denied.verdict, denied.rule.layer, denied.rule.pattern], ['deny', 'baseline', '**/*.key']);
  });

  it('is found in ~/.config/airlock/policy.json (XDG_CONFIG_HOME) or $AIRLOCK_BASELINE_POLICY, and "none" turns it off', async () => {
    const config = path.join(ws.stateDir, 'config');
    fs.mkdirSync(path.join(config, 'airlock'), { recursive: true });
    fs.copyFileSync(baseline, path.join(config, 'airlock', 'policy.json'));
    const viaConfig = JSON.parse((await explain(['fs.write', 'src/ui/b.ts'], { XDG_CONFIG_HOME: config })).stdout);
    assert.equal(viaConfig.verdict, 'ask');
    const viaEnv = JSON.parse((await explain(['fs.write', 'src/ui/b.ts'], { AIRLOCK_BASELINE_POLICY: baseline })).stdout);
    assert.equal(viaEnv.verdict, 'ask');
    const off = JSON.parse((await explain(['--baseline', 'none', 'fs.write', 'src/ui/b.ts'], { XDG_CONFIG_HOME: config })).stdout);
    assert.equal(off.verdict, 'allow');
  });

  it('reports a broken baseline with its file and fails closed', async () => {
    fs.writeFileSync(baseline, '{ "version": 1, "fs": { "reed": {} } }');
    const r = await explain(['--baseline', baseline, 'fs.read', 'src/core/a.ts']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /org-policy\.json:1:25 fs\.reed: unknown field "fs\.reed"; did you mean "read"\?/);
    assert.match(r.stderr, /Airlock fails closed/);
  });

  it('applies in the harness when the client names it', async () => {
    client = startHarness(ws.stateDir);
    const init = await client.initialize({ workspaceRoot: ws.root, logDir: path.join(ws.stateDir, 'logs'), baselinePolicyFile: baseline, prompter: 'deny-all' });
    assert.ok(init.policy);
    const task = await client.startTask({ intent: 'edit', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } } } });
    const core = await client.run(task.id, { action: 'fs.write', path: 'src/core/a.ts', content: 'A' });
    assert.equal(core.outcome, 'done');
    const ui = await client.run(task.id, { action: 'fs.write', path: 'src/ui/b.ts', content: 'B' });
    assert.deepEqual([ui.verdict, ui.outcome], ['ask', 'denied']);
    assert.equal(ws.read('src/ui/b.ts'), 'b');
  });
});
