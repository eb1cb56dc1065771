// What a person sees for an approval: escaped agent strings, broken link syntax, the deadline, the agent's name.
import assert from 'node:assert/strict';
import { approvalLabel, approvalMessage, answerFor, CHOICES, secondsLeft, uiSafe } from '../../src/approvals/format.js';
import type { ApprovalRequest } from '../../sandbox/protocol/protocol.js';

function request(over: Partial<ApprovalRequest> & { agent?: unknown } = {}): ApprovalRequest {
  return {
    id: 'r1', task: { id: 'task-1', intent: 'fix tests' }, action: { kind: 'fs.write', path: 'notes/a.txt' }, target: 'notes/a.txt',
    decision: { verdict: 'ask', rule: { layer: 'task' }, reason: 'outside the task scope' }, suggestions: [], deadline: 61_000, ...over,
  } as ApprovalRequest;
}

describe('approval message', () => {
  it('names the task, the action, the target, the reason and the seconds left', () => {
    const { message, detail } = approvalMessage(request(), 1_000);
    assert.match(message, /Task "fix tests" asks to fs\.write notes\/a\.txt — outside the task scope Denied automatically in 60 s\./);
    assert.match(detail, /Why asked: outside the task scope/);
    assert.equal(secondsLeft(request(), 70_000), 0);
  });

  it('escapes control and bidi characters in every agent-chosen field', () => {
    const evil = 'a\u202Etxt.exe\nSECOND LINE\u0007';
    const { message, detail } = approvalMessage(request({ target: evil, task: { id: 't', intent: 'x\u2066y' }, decision: { verdict: 'ask', rule: { layer: 'task' }, reason: 'r\r' } }), 0);
    for (const text of [message, detail.replace(/\n(?=[A-Z][a-z]+( [a-z]+)*:|No answer)/g, ' ')]) {
      assert.doesNotMatch(text, /[\u202E\u2066\u0007\r]/);
    }
    assert.doesNotMatch(message, /\n/);
    assert.match(message, /a\\u202Etxt\.exe\\nSECOND LINE\\x07/);
  });

  it('breaks the notification link syntax so a file name cannot pose as a button', () => {
    assert.equal(uiSafe('[Allow once](command:airlock.stopAll)'), '[Allow once]\\(command:airlock.stopAll)');
    assert.doesNotMatch(approvalMessage(request({ target: '[x](https://evil.example)' }), 0).message, /\]\(/);
  });

  it('shows a command as a shell line and names an agent when the request carries one', () => {
    const r = request({ action: { kind: 'exec', argv: ['rm', '-rf', 'a b'] }, target: '["rm","-rf","a b"]', agent: { name: 'claude-code', session: 's1' } });
    assert.equal(approvalLabel(r), "exec rm -rf 'a b'");
    assert.match(approvalMessage(r, 0).message, /^Airlock: claude-code \(task "fix tests"\) asks to exec rm -rf 'a b'/);
  });

  it('maps each button to its protocol answer ("always" is the harness\'s task grant)', () => {
    assert.deepEqual([CHOICES.once, CHOICES.task, CHOICES.always, CHOICES.deny].map((c) => answerFor(c).answer), ['allow-once', 'allow-task', 'always', 'deny']);
  });
});
