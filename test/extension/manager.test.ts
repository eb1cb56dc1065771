// The harness manager against the real harness process: ready, approvals reach the person, a crash denies what was
// pending, is reported once and restarts; session/run answers from the file first and asks the person the rest.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { HarnessManager, type CrashInfo, type HarnessState } from '../../src/harness/manager.js';
import type { ApprovalAnswer, ApprovalRequest } from '../../sandbox/protocol/protocol.js';
import { repoRoot, tsxLoader } from '../support/cli.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';

const POLICY = {
  version: 1, default: 'ask',
  fs: { read: { allow: ['**'] }, write: { allow: ['src/**', 'notes/**'] } },
  tasks: { t: { intent: 'the test task', scope: { fs: { write: { allow: ['src/**'] } } } } },
  approval: { timeoutSeconds: 30 },
};

describe('harness manager (real harness process)', function () {
  this.timeout(60_000);
  let ws: TempWorkspace;
  let manager: HarnessManager | undefined;
  const states: HarnessState['kind'][] = [];
  const crashes: CrashInfo[] = [];
  let onApproval: (r: ApprovalRequest, s: AbortSignal) => Promise<ApprovalAnswer> = async () => ({ answer: 'deny' });

  beforeEach(() => {
    ws = makeWorkspace({ 'src/a.ts': 'export {};\n', '.airlock/policy.json': JSON.stringify(POLICY, null, 2) });
    states.length = 0;
    crashes.length = 0;
    manager = new HarnessManager({
      workspaceRoot: ws.root,
      cliPath: path.join(repoRoot, 'sandbox', 'cli', 'main.ts'), nodeArgs: ['--import', tsxLoader], hostArgs: ['--key-dir', path.join(ws.stateDir, 'keys')],
      findNode: async () => ({ ok: true, node: process.execPath, version: process.version, source: 'setting' }),
      initOptions: () => ({ logDir: path.join(ws.stateDir, 'logs'), baselinePolicyFile: 'none' }),
      onApproval: (r, s) => onApproval(r, s),
      onState: (s) => states.push(s.kind),
      onCrash: (c) => crashes.push(c),
      env: { ...process.env, NODE_OPTIONS: '', XDG_STATE_HOME: ws.stateDir, XDG_CONFIG_HOME: ws.stateDir, AIRLOCK_BASELINE_POLICY: '' },
      backoffMs: [200, 400],
    });
  });
  afterEach(async () => {
    await manager?.stop();
    ws.cleanup();
  });

  it('starts lazily, reports ready with the policy loaded, and stops cleanly', async () => {
    assert.equal(manager!.current.kind, 'stopped');
    const client = await manager!.client$();
    assert.deepEqual(states, ['starting', 'ready']);
    const state = manager!.current as HarnessState;
    assert.ok(state.kind === 'ready' && state.policyOk);
    assert.deepEqual((await client.templates()).map((t) => t.name), ['t']);
    await manager!.stop();
    assert.equal(states.at(-1), 'stopped');
    assert.equal(crashes.length, 0);
  });

  it('a killed harness: the in-flight action fails, nothing is written, the crash is reported once, and it restarts', async () => {
    let asked!: () => void;
    const wasAsked = new Promise<void>((r) => { asked = r; });
    let withdrawn = false;
    onApproval = (_r, signal) => new Promise((resolve) => {
      asked();
      signal.addEventListener('abort', () => { withdrawn = true; resolve({ answer: 'deny' }); });
    });
    const client = await manager!.client$();
    const task = await client.startTask({ template: 't' });
    const pending = client.run(task.id, { action: 'fs.write', path: 'notes/x.txt', content: 'x' }).catch((e: Error) => e);
    await wasAsked;
    const pid = manager!.pid!;
    process.kill(pid, 'SIGKILL');
    assert.ok((await pending) instanceof Error, 'the in-flight action fails with the harness');
    assert.equal(crashes.length, 1);
    assert.equal(crashes[0]!.signal, 'SIGKILL');
    assert.equal(ws.exists('notes/x.txt'), false);
    const again = await (async () => {
      for (let i = 0; i < 100; i++) {
        if ((manager!.current as HarnessState).kind === 'ready') return manager!.client$();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('no restart');
    })();
    assert.notEqual(manager!.pid, pid);
    assert.deepEqual(await again.listTasks(), []);
    assert.ok(states.includes('restarting'));
    assert.equal(withdrawn, false, 'a dead harness cannot withdraw its question: the extension denies it (ApprovalBroker.denyAll)');
  });

  it('session/run answers from the file first and asks the person the rest, in the live workspace', async () => {
    const asked: string[] = [];
    onApproval = async (r) => { asked.push(r.target); return { answer: 'allow-once' }; };
    const session = ws.write('s.airlock-session.json', JSON.stringify({
      name: 'mixed', workspace: '.', task: { template: 't' },
      approvals: [{ action: 'fs.write', target: 'notes/scripted.txt', answer: 'deny' }],
      steps: [
        { action: 'fs.write', path: 'notes/scripted.txt', content: 'no', expect: { outcome: 'denied', decidedBy: 'user' } },
        { action: 'fs.write', path: 'notes/person.txt', content: 'yes', expect: { outcome: 'done', decidedBy: 'user' } },
        { action: 'fs.write', path: 'src/b.ts', content: 'in scope', expect: { verdict: 'allow' } },
      ],
    }));
    const client = await manager!.client$();
    const result = await client.runSession(session);
    assert.equal(result.ok, true, JSON.stringify(result, null, 1));
    assert.deepEqual(asked, ['notes/person.txt']);
    assert.equal(ws.read('notes/person.txt'), 'yes');
    assert.equal(ws.exists('notes/scripted.txt'), false);
    assert.deepEqual(await client.listTasks(), [], 'the session task ends with the session');
    const bad = await client.runSession(ws.write('bad.airlock-session.json', '{ "name": 1 }'));
    assert.equal(bad.ok, false);
    assert.ok(bad.problems.length > 0 && bad.problems.every((p) => p.place?.file));
  });

  it('explains a decision with its rule and line', async () => {
    const client = await manager!.client$();
    const r = await client.explain({ action: 'fs.write', target: 'src/a.ts' });
    assert.equal(r.verdict, 'allow');
    assert.equal(r.rule.layer, 'workspace');
    assert.ok(r.rule.line && r.rule.line > 1, JSON.stringify(r.rule));
    const text = fs.readFileSync(path.join(ws.root, '.airlock', 'policy.json'), 'utf8').split('\n');
    assert.match(text[r.rule.line - 1] ?? '', /src\/\*\*/);
    const task = await client.startTask({ template: 't' });
    assert.equal((await client.explain({ action: 'fs.write', target: 'notes/a.txt', taskId: task.id })).verdict, 'ask');
    assert.equal((await client.explain({ action: 'exec', target: ['rm', '-rf', '/'] })).verdict === 'allow', false);
  });
});
