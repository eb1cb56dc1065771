// The MCP server's ask path without a client: the prompter chain (editor gateway, then elicitation, then nobody) and
// the broker that hands a pending ask to a tool call and takes its answer once.
import assert from 'node:assert/strict';
import type { ApprovalAnswer, ApprovalRequest } from '../../sandbox/pipeline/types.js';
import { displaySafe } from '../../sandbox/protocol/display.js';
import { answerOf, approvalForm, AskBroker } from '../../sandbox/mcp/asks.js';
import type { GatewayClient } from '../../sandbox/mcp/gateway.js';
import { chainPrompter, NOBODY_TO_ASK } from '../../sandbox/mcp/prompter.js';

function request(target = 'notes/a\u202Emd'): ApprovalRequest {
  return {
    id: 'r1', task: { id: 'task-1', intent: 'write notes' },
    action: { kind: 'fs.write', path: target }, target,
    decision: { verdict: 'ask', rule: { layer: 'default' }, reason: 'no rule allows fs.write "notes/a.md"' },
    suggestions: [
      { answer: 'allow-once', label: 'once' },
      { answer: 'allow-task', target: 'notes/**', label: 'task' },
      { answer: 'deny', label: 'deny' },
    ],
    deadline: Date.now() + 10_000,
    display: { target: displaySafe(target), reason: 'no rule allows fs.write "notes/a.md"', intent: 'write notes' },
  };
}

/** An editor gateway the test answers for: records what it was asked, answers or fails. */
function gateway(answer: () => Promise<ApprovalAnswer>): GatewayClient & { asked: ApprovalRequest[]; closed: number } {
  const g = {
    asked: [] as ApprovalRequest[], closed: 0,
    ask: (r: ApprovalRequest) => { g.asked.push(r); return answer(); },
    close: () => { g.closed++; },
  };
  return g;
}

describe('mcp: the prompter chain', () => {
  it('asks the editor first, and its answer is the one that counts', async () => {
    const editor = gateway(async () => ({ answer: 'allow-once' }));
    const broker = new AskBroker();
    const p = chainPrompter({ workspaceRoot: '/w', connect: async () => editor, elicitation: () => true, broker });
    assert.deepEqual(await p.ask(request(), new AbortController().signal), { answer: 'allow-once' });
    assert.equal(editor.asked.length, 1);
    assert.equal(broker.pending, 0, 'elicitation was not used');
  });

  it('a failing editor means deny, and the next ask connects again', async () => {
    let connects = 0;
    const broken = gateway(async () => { throw new Error('the editor went away'); });
    const p = chainPrompter({ workspaceRoot: '/w', connect: async () => (++connects === 1 ? broken : null), elicitation: () => false, broker: new AskBroker() });
    await assert.rejects(p.ask(request(), new AbortController().signal), /the editor went away/);
    assert.equal(broken.closed, 1);
    await assert.rejects(p.ask(request(), new AbortController().signal), new RegExp(NOBODY_TO_ASK));
    assert.equal(connects, 2);
  });

  it('without an editor, asks through elicitation when the client offers it, else nobody is asked', async () => {
    let offers = true;
    const broker = new AskBroker();
    const p = chainPrompter({ workspaceRoot: '/w', connect: async () => null, elicitation: () => offers, broker });
    const answer = p.ask(request(), new AbortController().signal);
    const taken = await broker.claim().promise;
    assert.equal(taken.request.target, 'notes/a\u202Emd');
    assert.equal(taken.settle({ answer: 'deny' }), true);
    assert.deepEqual(await answer, { answer: 'deny' });
    offers = false;
    await assert.rejects(p.ask(request(), new AbortController().signal), /nobody could be asked/);
  });
});

describe('mcp: the ask broker', () => {
  it('settles an ask once: the first answer is final', async () => {
    const broker = new AskBroker();
    const answer = broker.ask(request(), new AbortController().signal);
    const ask = await broker.claim().promise;
    assert.equal(ask.settle({ answer: 'allow-once' }), true);
    assert.equal(ask.settle({ answer: 'deny' }), false);
    assert.deepEqual(await answer, { answer: 'allow-once' });
  });

  it('a moot ask (timed out, killed) rejects and cannot be answered', async () => {
    const broker = new AskBroker();
    const abort = new AbortController();
    const answer = broker.ask(request(), abort.signal);
    const ask = await broker.claim().promise;
    abort.abort();
    await assert.rejects(answer, /moot/);
    assert.equal(ask.settle({ answer: 'allow-once' }), false);
    assert.equal(broker.pending, 0);
  });

  it('gives an ask back when the call that took it finishes first, so another call carries it', async () => {
    const broker = new AskBroker();
    const first = broker.claim();
    void broker.ask(request(), new AbortController().signal);
    const taken = await first.promise;
    first.cancel();
    const second = await broker.claim().promise;
    assert.equal(second.id, taken.id);
  });
});

describe('mcp: the elicitation form and its answer', () => {
  it('shows the action, target and reason escaped, and offers allow once, each task pattern, deny', () => {
    const form = approvalForm(request());
    assert.match(form.message, /Action: fs\.write\nTarget: notes\/a\\u202Emd\nReason: no rule allows/);
    assert.deepEqual(form.requestedSchema.properties.decision.oneOf.map((o) => o.const), ['allow-once', 'allow-task:1', 'deny']);
    assert.equal(form.requestedSchema.properties.decision.default, 'deny');
  });

  it('reads only an accepted, known choice as an allow', () => {
    const r = request();
    assert.deepEqual(answerOf({ action: 'accept', content: { decision: 'allow-task:1' } }, r), { answer: 'allow-task', target: 'notes/**' });
    assert.deepEqual(answerOf({ action: 'accept', content: { decision: 'allow-once' } }, r), { answer: 'allow-once' });
    for (const bad of [undefined, null, { action: 'decline' }, { action: 'cancel' }, { action: 'accept', content: { decision: 'allow-task:0' } },
      { action: 'accept', content: { decision: 'allow-task:7' } }, { action: 'accept', content: { decision: 'always' } }, { action: 'accept' }]) {
      assert.deepEqual(answerOf(bad, r), { answer: 'deny' }, JSON.stringify(bad));
    }
  });
});
