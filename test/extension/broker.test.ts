// The approval broker: the first answer is final, late answers change nothing and say so, nothing pending is lost.
import assert from 'node:assert/strict';
import { ApprovalBroker, type ApprovalPresenter } from '../../src/approvals/broker.js';
import { CHOICES, type Choice } from '../../src/approvals/format.js';
import type { ApprovalRequest } from '../../sandbox/protocol/protocol.js';

function request(id: string, deadlineIn = 60_000): ApprovalRequest {
  return {
    id, task: { id: 'task-1', intent: 'fix tests' }, action: { kind: 'fs.write', path: `notes/${id}.txt` }, target: `notes/${id}.txt`,
    decision: { verdict: 'ask', rule: { layer: 'task' }, reason: 'outside the task scope' }, suggestions: [], deadline: Date.now() + deadlineIn,
    display: { target: `notes/${id}.txt`, reason: 'outside the task scope', intent: 'fix tests' },
  } as ApprovalRequest;
}

/** A person at the UI: each shown request waits until the test answers it. */
class Person implements ApprovalPresenter {
  readonly shown: string[] = [];
  readonly told: string[] = [];
  open = 0;
  maxOpen = 0;
  private readonly answers = new Map<string, (c: Choice | undefined) => void>();
  show(r: ApprovalRequest): Promise<Choice | undefined> {
    this.shown.push(r.id);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    return new Promise((resolve) => this.answers.set(r.id, (c) => { this.open--; resolve(c); }));
  }
  tell(m: string): void { this.told.push(m); }
  click(id: string, c: Choice | undefined): void { this.answers.get(id)?.(c); }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('approval broker', () => {
  it('answers with the first choice; a second click is told it changes nothing', async () => {
    const person = new Person();
    const broker = new ApprovalBroker({ presenter: person, style: () => 'notification' });
    const answer = broker.handle(request('a'), new AbortController().signal);
    await tick();
    person.click('a', CHOICES.once);
    assert.deepEqual(await answer, { answer: 'allow-once' });
    assert.equal(broker.answer('a', CHOICES.deny), 'late');
    assert.match(person.told[0] ?? '', /already answered \("allow-once"\); the first answer is final/);
  });

  it('denies when the deadline passes, and a later click says it came too late', async () => {
    const person = new Person();
    const broker = new ApprovalBroker({ presenter: person, style: () => 'notification' });
    assert.deepEqual(await broker.handle(request('t', 30), new AbortController().signal), { answer: 'deny' });
    person.click('t', CHOICES.once);
    await tick();
    assert.match(person.told[0] ?? '', /came too late and changes nothing: its time ran out, so it was denied/);
  });

  it('denies what the harness withdraws (task killed) and everything pending when the harness is lost', async () => {
    const person = new Person();
    const broker = new ApprovalBroker({ presenter: person, style: () => 'notification' });
    const withdrawn = new AbortController();
    const a = broker.handle(request('w'), withdrawn.signal);
    const b = broker.handle(request('x'), new AbortController().signal);
    const c = broker.handle(request('y'), new AbortController().signal);
    await tick();
    withdrawn.abort();
    assert.deepEqual(await a, { answer: 'deny' });
    assert.equal(broker.pending.length, 2);
    assert.equal(broker.denyAll('harness-lost'), 2);
    assert.deepEqual([await b, await c], [{ answer: 'deny' }, { answer: 'deny' }]);
    assert.equal(broker.pending.length, 0);
    person.click('x', CHOICES.once);
    await tick();
    assert.match(person.told[0] ?? '', /the harness stopped, so it was denied/);
  });

  it('shows modal dialogs one at a time, in order, and loses none', async () => {
    const person = new Person();
    const broker = new ApprovalBroker({ presenter: person, style: () => 'modal' });
    const answers = ['m1', 'm2', 'm3'].map((id) => broker.handle(request(id), new AbortController().signal));
    await tick();
    assert.deepEqual(person.shown, ['m1']);
    person.click('m1', CHOICES.deny);
    await tick();
    person.click('m2', CHOICES.task);
    await tick();
    person.click('m3', CHOICES.once);
    assert.deepEqual((await Promise.all(answers)).map((a) => a.answer), ['deny', 'allow-task', 'allow-once']);
    assert.deepEqual(person.shown, ['m1', 'm2', 'm3']);
    assert.equal(person.maxOpen, 1);
  });

  it('keeps a closed notification pending (answerable from the list) and refuses a reused id', async () => {
    const person = new Person();
    const broker = new ApprovalBroker({ presenter: person, style: () => 'notification' });
    const a = broker.handle(request('p'), new AbortController().signal);
    await tick();
    person.click('p', undefined);
    await tick();
    assert.equal(broker.pending.length, 1);
    assert.deepEqual(await broker.handle(request('p'), new AbortController().signal), { answer: 'deny' });
    assert.equal(broker.answer('p', CHOICES.once), 'accepted');
    assert.deepEqual(await a, { answer: 'allow-once' });
  });

  it('answers "always" at once and then writes the rule; a failed write is told, the grant stands', async () => {
    const person = new Person();
    const written: string[] = [];
    const broker = new ApprovalBroker({
      presenter: person, style: () => 'notification',
      onAlways: async (r) => { written.push(r.target); if (r.id === 'bad') throw new Error('disk full'); },
    });
    const ok = broker.handle(request('good'), new AbortController().signal);
    const bad = broker.handle(request('bad'), new AbortController().signal);
    await tick();
    person.click('good', CHOICES.always);
    person.click('bad', CHOICES.always);
    assert.deepEqual([await ok, await bad], [{ answer: 'always' }, { answer: 'always' }]);
    await tick();
    assert.deepEqual(written, ['notes/good.txt', 'notes/bad.txt']);
    assert.match(person.told[0] ?? '', /allowed fs\.write notes\/bad\.txt for this task, but could not add the rule.*disk full/);
  });
});
