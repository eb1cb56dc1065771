// The harness driven over stdio the way the extension drives it: approvals, grants, kill, logs, version checks.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { startHarness } from '../support/harness.js';
import type { HarnessClient } from '../../src/harness/client.js';
import type { ApprovalAnswer, ApprovalRequest } from '../../sandbox/protocol/protocol.js';

const policy = {
  version: 1,
  default: 'ask',
  fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'], deny: ['src/locked.ts'] } },
  exec: { allow: [['sleep', '*']] },
  limits: { cpuMs: 60000, wallMs: 60000 },
  approval: { timeoutSeconds: 30 },
  tasks: {
    edit: {
      intent: 'edit the sources and notes',
      scope: { fs: { read: { allow: ['src/**', 'notes/**'] }, write: { allow: ['src/**', 'notes/**'] } }, exec: { allow: [['sleep', '*']] } },
    },
  },
};

describe('airlock host over stdio', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let client: HarnessClient | undefined;
  let prompts: ApprovalRequest[];
  let answer: (r: ApprovalRequest) => Promise<ApprovalAnswer>;

  beforeEach(() => {
    ws = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n', 'notes/todo.md': '# todo\n' }, policy);
    prompts = [];
    answer = async () => ({ answer: 'deny' });
  });
  afterEach(async () => {
    client?.terminate();
    client = undefined;
    ws.cleanup();
  });

  async function open(): Promise<{ client: HarnessClient; logFile: string }> {
    client = startHarness(ws.stateDir, { onApproval: (r) => { prompts.push(r); return answer(r); } });
    const init = await client.initialize({ workspaceRoot: ws.root, logDir: path.join(ws.stateDir, 'logs') });
    assert.ok(init.policy, 'the policy loads');
    return { client, logFile: init.logFile };
  }

  it('refuses a protocol version mismatch and says which side to update', async () => {
    client = startHarness(ws.stateDir);
    await assert.rejects(client.initialize({ workspaceRoot: ws.root, protocolVersion: 0, logDir: path.join(ws.stateDir, 'logs') }),
      /protocol version mismatch: the client speaks 0, the harness speaks 1; update the client/);
  });

  it('allows in-scope actions without asking and denies what the policy denies', async () => {
    const { client } = await open();
    const task = await client.startTask({ intent: 'edit src', template: 'edit' });
    const read = await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    assert.equal(read.outcome, 'done');
    assert.equal(read.result, 'export const a = 1;\n');
    const locked = await client.run(task.id, { action: 'fs.write', path: 'src/locked.ts', content: 'x' });
    assert.equal(locked.verdict, 'deny');
    assert.equal(locked.outcome, 'denied');
    assert.match(locked.error!.message, /Airlock denied fs\.write "src\/locked\.ts"/);
    assert.equal(ws.exists('src/locked.ts'), false);
    assert.equal(prompts.length, 0);
  });

  it('asks the client about out-of-scope actions: allow-once runs it once, deny refuses it', async () => {
    const { client } = await open();
    const task = await client.startTask({ intent: 'take notes', template: 'edit' });
    answer = async () => ({ answer: 'allow-once' });
    const first = await client.run(task.id, { action: 'fs.write', path: 'notes/todo.md', content: '# done\n' });
    assert.equal(first.verdict, 'ask');
    assert.equal(first.decidedBy, 'user');
    assert.equal(first.outcome, 'done');
    assert.equal(ws.read('notes/todo.md'), '# done\n');
    assert.equal(prompts.length, 1);
    assert.equal(prompts[0]!.target, 'notes/todo.md');
    assert.equal(prompts[0]!.task.intent, 'take notes');
    assert.ok(prompts[0]!.deadline > Date.now());
    assert.ok(prompts[0]!.suggestions.some((s) => s.answer === 'allow-task'));

    answer = async () => ({ answer: 'deny' });
    const second = await client.run(task.id, { action: 'fs.write', path: 'notes/todo.md', content: 'again' });
    assert.equal(prompts.length, 2, 'allow-once does not cover a second write');
    assert.equal(second.outcome, 'denied');
    assert.equal(second.decidedBy, 'user');
    assert.equal(ws.read('notes/todo.md'), '# done\n');
  });

  it('turns allow-task into a grant that covers later actions until it is revoked', async () => {
    const { client } = await open();
    const task = await client.startTask({ intent: 'take notes', template: 'edit' });
    answer = async () => ({ answer: 'allow-task', target: 'notes/**' });
    await client.run(task.id, { action: 'fs.write', path: 'notes/a.md', content: 'a' });
    const b = await client.run(task.id, { action: 'fs.write', path: 'notes/b.md', content: 'b' });
    assert.equal(b.decidedBy, 'grant');
    assert.equal(prompts.length, 1);
    const grants = await client.listGrants(task.id);
    assert.equal(grants.length, 1);
    assert.deepEqual(grants[0]!.target, 'notes/**');
    assert.deepEqual(await client.revokeGrant(grants[0]!.id), { revoked: true });
    answer = async () => ({ answer: 'deny' });
    const c = await client.run(task.id, { action: 'fs.write', path: 'notes/c.md', content: 'c' });
    assert.equal(c.outcome, 'denied');
    assert.equal(prompts.length, 2);
    assert.equal(ws.exists('notes/c.md'), false);
  });

  it('ends grants with their task and refuses actions of an ended task', async () => {
    const { client } = await open();
    const task = await client.startTask({ intent: 'notes', template: 'edit' });
    answer = async () => ({ answer: 'allow-task', target: 'notes/**' });
    await client.run(task.id, { action: 'fs.write', path: 'notes/a.md', content: 'a' });
    await client.endTask(task.id);
    assert.deepEqual(await client.listGrants(), []);
    const after = await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    assert.equal(after.outcome, 'denied');
    assert.match(after.error!.message, /not running/);
  });

  it('kill stops a busy script and a long command at once, and is idempotent', async () => {
    const { client } = await open();
    const task = await client.startTask({ intent: 'runaway', template: 'edit' });
    const script = client.runScript(task.id, 'while (true) {}');
    const sleeper = client.run(task.id, { action: 'exec', argv: ['sleep', '30'] });
    await new Promise((r) => setTimeout(r, 700));
    const killed = await client.kill(task.id);
    assert.deepEqual(killed.killed, [task.id]);
    const [s, e] = await Promise.all([script, sleeper]);
    assert.equal(s.outcome, 'killed');
    assert.equal(e.outcome, 'killed');
    assert.deepEqual(await client.kill(task.id), { killed: [] });
    assert.deepEqual(await client.listTasks(), []);
  });

  it('kill denies a pending approval', async () => {
    const { client } = await open();
    const task = await client.startTask({ intent: 'wait', template: 'edit' });
    let asked!: () => void;
    const promptSeen = new Promise<void>((r) => { asked = r; });
    answer = () => { asked(); return new Promise<ApprovalAnswer>(() => undefined); };
    const pending = client.run(task.id, { action: 'fs.write', path: 'notes/x.md', content: 'x' });
    await promptSeen;
    await client.kill('all');
    const result = await pending;
    assert.equal(result.outcome, 'killed');
    assert.equal(result.decidedBy, 'killswitch');
    assert.equal(ws.exists('notes/x.md'), false);
  });

  it('sends log entries as they are appended and reads the log back', async () => {
    const entries: { kind: string; action?: string; target?: string }[] = [];
    client = startHarness(ws.stateDir, { onLogEntry: (e) => entries.push(e as never) });
    await client.initialize({ workspaceRoot: ws.root, logDir: path.join(ws.stateDir, 'logs') });
    await client.followLog();
    const task = await client.startTask({ intent: 'read', template: 'edit' });
    await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(entries.some((e) => e.kind === 'decision' && e.action === 'fs.read' && e.target === 'src/a.ts'));
    assert.ok(entries.some((e) => e.kind === 'outcome' && e.action === 'fs.read'));
    const read = (await client.readLog({ filter: { task: task.id } })) as { kind: string }[];
    assert.ok(read.some((e) => e.kind === 'task.start'));
  });

  it('exits 0 after shutdown with a log that verifies', async () => {
    const { client, logFile } = await open();
    const task = await client.startTask({ intent: 'read', template: 'edit' });
    await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    const { code } = await client.shutdown();
    assert.equal(code, 0);
    assert.ok(fs.statSync(logFile).size > 0);
    const { verifyLog } = await import('../../sandbox/log/verify.js');
    const report = verifyLog(logFile, { keyDir: path.join(ws.stateDir, 'keys') });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
  });

  it('shutdown ends running tasks as "ended", not "killed"', async () => {
    const statuses: { taskId: string; status: string; reason?: string }[] = [];
    client = startHarness(ws.stateDir, { onTaskStatus: (s) => statuses.push(s) });
    const init = await client.initialize({ workspaceRoot: ws.root, logDir: path.join(ws.stateDir, 'logs') });
    const task = await client.startTask({ intent: 'read', template: 'edit' });
    const { code } = await client.shutdown();
    assert.equal(code, 0);
    assert.deepEqual(statuses.filter((s) => s.taskId === task.id).map((s) => [s.status, s.reason]), [['started', undefined], ['ended', 'shutdown']]);
    const ends = fs.readFileSync(init.logFile, 'utf8').split('\n').filter((l) => l.includes('"task.end"'));
    assert.equal(ends.length, 1);
    assert.match(ends[0] ?? '', /"reason":"shutdown"/);
    assert.doesNotMatch(fs.readFileSync(init.logFile, 'utf8'), /"kind":"kill"/);
  });

  it('fails closed when the policy does not load: no task starts, and the error names the file', async () => {
    ws.write('.airlock/policy.json', '{ "version": 1, "fs": { "writes": {} } }');
    client = startHarness(ws.stateDir);
    const init = await client.initialize({ workspaceRoot: ws.root, logDir: path.join(ws.stateDir, 'logs') });
    assert.equal(init.policy, null);
    assert.ok(init.problems.some((p) => /writes/.test(p.message)));
    await assert.rejects(client.startTask({ intent: 'x', template: 'edit' }), /policy failed to load, so Airlock denies everything/);
  });
});
