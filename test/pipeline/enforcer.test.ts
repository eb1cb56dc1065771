// The enforcement pipeline in-process: prompts that fail or time out deny, tasks expire, the log orders each decision
// before its outcome, derived targets are asked about, and a script's calls are decided and logged like any action.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Arena, RecordingPrompter } from '../adversarial/support.js';
import type { ApprovalAnswer, Prompter } from '../../sandbox/pipeline/types.js';
import { readLog } from '../../sandbox/log/reader.js';
import type { LogEntry } from '../../sandbox/log/entry.js';

const POLICY = {
  version: 1,
  fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'], deny: ['src/locked/**'] } },
  approval: { timeoutSeconds: 1 },
};

async function entries(a: Arena): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLog(a.logFile)) out.push(e);
  return out;
}

describe('pipeline: the Enforcer', function () {
  this.timeout(20000);
  let arena: Arena | undefined;
  afterEach(async () => { await arena?.close(); arena = undefined; });

  it('denies when the prompter throws or answers nonsense, and says why', async () => {
    const throwing: Prompter = { ask: async () => { throw new Error('the editor went away'); } };
    const a = arena = new Arena({ policy: POLICY, files: { 'notes.md': 'n' }, prompter: throwing });
    const t = a.startTask();
    const r = await a.perform(t, { action: 'fs.write', path: 'notes.md', content: 'changed' });
    assert.deepEqual([r.verdict, r.outcome, r.decidedBy], ['ask', 'denied', 'policy']);
    assert.match(r.reason, /the approval prompt failed \(the editor went away\), so Airlock denied it/);
    assert.equal(a.readWs('notes.md'), 'n');

    await a.close();
    const nonsense: Prompter = { ask: async () => ({ answer: 'sure, go ahead' }) as unknown as ApprovalAnswer };
    const b = arena = new Arena({ policy: POLICY, files: { 'notes.md': 'n' }, prompter: nonsense });
    const r2 = await b.perform(b.startTask(), { action: 'fs.write', path: 'notes.md', content: 'changed' });
    assert.equal(r2.outcome, 'denied');
    assert.match(r2.reason, /invalid answer/);
    assert.equal(b.readWs('notes.md'), 'n');
  });

  it('denies a prompt nobody answers once the approval timeout passes', async () => {
    const silent: Prompter = { ask: () => new Promise<ApprovalAnswer>(() => undefined) };
    const a = arena = new Arena({ policy: POLICY, files: { 'notes.md': 'n' }, prompter: silent });
    const r = await a.perform(a.startTask(), { action: 'fs.write', path: 'notes.md', content: 'changed' });
    assert.deepEqual([r.outcome, r.decidedBy], ['denied', 'timeout']);
    assert.match(r.reason, /no answer within 1 s/);
    assert.equal(a.readWs('notes.md'), 'n');
  });

  it('ends a task when its time runs out: its grants are revoked and its actions refused', async () => {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/a.ts': 'a', 'notes.md': 'n' }, prompter: new RecordingPrompter(() => ({ answer: 'allow-task', target: 'notes.md' })) });
    const task = a.enforcer.startTask({ intent: 'brief', scope: { fs: { read: { allow: ['src/**'] } } }, ttlSeconds: 1 });
    assert.equal((await a.perform(task.id, { action: 'fs.read', path: 'notes.md' })).decidedBy, 'user');
    assert.equal(a.enforcer.listGrants(task.id).length, 1);
    await new Promise((r) => setTimeout(r, 1300));
    const late = await a.perform(task.id, { action: 'fs.read', path: 'src/a.ts' });
    assert.equal(late.outcome, 'denied');
    assert.match(late.error!.message, /not running/);
    assert.deepEqual(a.enforcer.listGrants(), []);
    const log = await entries(a);
    assert.ok(log.some((e) => e.kind === 'task.end' && e.task === task.id && (e.data as { reason?: string }).reason === 'expired'));
    assert.ok(log.some((e) => e.kind === 'revoke' && e.task === task.id));
  });

  it('logs each decision before its outcome, the pending question before the answer, and outcomes point to decisions', async () => {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/a.ts': 'a', 'notes.md': 'n' }, prompter: new RecordingPrompter(() => ({ answer: 'allow-once' })) });
    const t = a.startTask();
    const read = await a.perform(t, { action: 'fs.read', path: 'src/a.ts' });
    const asked = await a.perform(t, { action: 'fs.write', path: 'notes.md', content: 'x' });
    const log = await entries(a);
    const bySeq = new Map(log.map((e) => [e.seq, e]));
    for (const result of [read, asked]) {
      const decision = bySeq.get(result.logSeq!)!;
      assert.equal(decision.kind, 'decision');
      const outcome = log.find((e) => e.kind === 'outcome' && e.ref === decision.seq)!;
      assert.ok(outcome.seq > decision.seq, 'the outcome comes after its decision');
      assert.equal(outcome.outcome, 'done');
    }
    const pending = log.find((e) => e.kind === 'decision' && e.target === 'notes.md' && (e.data as { pending?: boolean }).pending);
    assert.ok(pending, 'the question is logged while it is pending');
    assert.equal((bySeq.get(asked.logSeq!)!.data as { askedIn?: number }).askedIn, pending.seq);
    assert.ok(log.some((e) => e.kind === 'grant') && log.some((e) => e.kind === 'revoke' && (e.data as { reason?: string }).reason === 'used once'));
    // The contents never reach the log: only digests.
    assert.equal(fs.readFileSync(a.logFile, 'utf8').includes('"x"'), false);
    assert.match(JSON.stringify(log.find((e) => e.kind === 'outcome' && e.target === 'notes.md')!.digests), /sha256:/);
  });

  it('asks again about the real target of a symlink, and reads nothing when the user refuses', async () => {
    const prompter = new RecordingPrompter(() => ({ answer: 'deny' }));
    const a = arena = new Arena({ policy: POLICY, files: { 'private/diary.md': 'secret diary', 'src/a.ts': 'a' }, prompter });
    fs.symlinkSync(path.join(a.root, 'private', 'diary.md'), path.join(a.root, 'src', 'innocent.md'));
    const r = await a.perform(a.startTask(), { action: 'fs.read', path: 'src/innocent.md' });
    assert.equal(r.verdict, 'allow', 'the path as written is in scope');
    assert.equal(r.outcome, 'denied');
    assert.deepEqual(prompter.asked.map((q) => q.target), ['private/diary.md']);
    assert.equal(JSON.stringify(r).includes('secret diary'), false);
  });

  it('decides a command\'s resolved program in the command\'s working directory, as its arguments were', async () => {
    const policy = { ...POLICY, exec: { allow: [['ls', '*']] } };
    const a = arena = new Arena({ policy, files: { 'src/.vscode/notes.md': 'not the editor settings' } });
    const t = a.startTask();
    // From src/, ".vscode" is src/.vscode, not the protected workspace .vscode: allowed, and so is the real program.
    const inSrc = await a.perform(t, { action: 'exec', argv: ['ls', '.vscode'], cwd: 'src' });
    assert.equal(inSrc.outcome, 'done', JSON.stringify(inSrc));
    assert.match((inSrc.result as { stdout: string }).stdout, /notes\.md/);
    const atRoot = await a.perform(t, { action: 'exec', argv: ['ls', '.vscode'] });
    assert.deepEqual([atRoot.verdict, atRoot.outcome], ['deny', 'denied']);
  });

  it('decides and logs each call a script makes, pointing to the script, and hands the refusal to the script', async () => {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/a.ts': 'export const a = 1;\n' } });
    const t = a.startTask();
    const r = await a.enforcer.runScript(t, `
      const text = await airlock.fs.readFile('src/a.ts');
      try { await airlock.fs.writeFile('src/locked/x.ts', 'x'); } catch (e) { return { length: text.length, refused: e.message }; }
      return 'wrote it';`);
    assert.equal(r.outcome, 'done');
    const value = r.result as { length: number; refused: string };
    assert.equal(value.length, 20);
    assert.match(value.refused, /Airlock denied fs\.write "src\/locked\/x\.ts": .*fs\.write\.deny\[0\] "src\/locked\/\*\*"/);
    assert.equal(a.existsWs('src/locked/x.ts'), false);
    const log = await entries(a);
    const script = log.find((e) => e.kind === 'script')!;
    const sha = (script.digests as { code: string }).code.replace('sha256:', '');
    const calls = log.filter((e) => e.kind === 'decision' && e.script === sha).map((e) => [e.action, e.target, e.verdict]);
    assert.deepEqual(calls, [['fs.read', 'src/a.ts', 'allow'], ['fs.write', 'src/locked/x.ts', 'deny']]);
  });
});
