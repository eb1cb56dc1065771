// "Always allow in workspace": the rule written into .airlock/policy.json keeps comments and layout, and the result loads.
import assert from 'node:assert/strict';
import { addRule, lineDiff, newPolicyWithRule, ruleFor } from '../../src/approvals/alwaysAllow.js';
import type { ApprovalRequest } from '../../sandbox/protocol/protocol.js';
import { loadPolicy } from '../../sandbox/policy/load.js';
import { decide } from '../../sandbox/policy/decide.js';
import { makeWorkspace } from '../support/workspace.js';

function req(action: ApprovalRequest['action'], target: string): ApprovalRequest {
  return { id: 'r', task: { id: 't', intent: 'i' }, action, target, decision: { verdict: 'ask', rule: { layer: 'default' }, reason: 'r' }, suggestions: [], deadline: 0, display: { target, reason: 'r', intent: 'i' } } as ApprovalRequest;
}

const POLICY = `{
  // team policy: keep this comment
  "version": 1,
  "fs": {
    "write": { "allow": ["src/**"] } // one line stays one line
  },
  "exec": {
    "allow": [
      ["npm", "test"]
    ]
  }
}
`;

describe('always allow in workspace', () => {
  it('appends to a one-line list in place, keeping every comment', () => {
    const r = ruleFor(req({ kind: 'fs.write', path: 'docs/a.md' }, 'docs/a.md'));
    assert.ok(r.ok);
    const { text } = addRule(POLICY, r.rule);
    assert.equal(text, POLICY.replace('"allow": ["src/**"]', '"allow": ["src/**", "docs/a.md"]'));
    assert.equal(lineDiff(POLICY, text), `@@ -5,1 +5,1 @@\n-    "write": { "allow": ["src/**"] } // one line stays one line\n+    "write": { "allow": ["src/**", "docs/a.md"] } // one line stays one line`);
  });

  it('appends to a multi-line list and creates a missing one; the policy then allows the action', () => {
    const exec = ruleFor(req({ kind: 'exec', argv: ['npm', 'run', 'lint'] }, '["npm","run","lint"]'));
    const net = ruleFor(req({ kind: 'net.fetch', url: 'https://registry.npmjs.org/react?x=1' }, 'https://registry.npmjs.org/react?x=1'));
    assert.ok(exec.ok && net.ok);
    const text = addRule(addRule(POLICY, exec.rule).text, net.rule).text;
    assert.match(text, /keep this comment/);
    assert.match(text, /\["npm", "test"\],\s*\[\s*"npm",\s*"run",\s*"lint"\s*\]/);
    const ws = makeWorkspace({ '.airlock/policy.json': text });
    try {
      const loaded = loadPolicy({ workspaceRoot: ws.root });
      assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
      assert.equal(decide(loaded.policy, null, [], { kind: 'exec', argv: ['npm', 'run', 'lint'] }, Date.now()).verdict, 'allow');
      assert.equal(decide(loaded.policy, null, [], { kind: 'net.fetch', url: 'https://registry.npmjs.org/react' }, Date.now()).verdict, 'allow');
    } finally {
      ws.cleanup();
    }
  });

  it('does not add a rule twice', () => {
    const r = ruleFor(req({ kind: 'fs.write', path: 'src/**' }, 'src/x.ts'));
    assert.ok(r.ok);
    const once = addRule(POLICY, r.rule).text;
    assert.equal(addRule(once, r.rule).alreadyThere, true);
  });

  it('refuses to turn globs, absolute paths, escapes and invisible characters into rules', () => {
    for (const target of ['src/*.ts', '/etc/passwd', '../outside.txt', '~/x', 'a\u202Eb', 'C:/x']) {
      const r = ruleFor(req({ kind: 'fs.write', path: target }, target));
      assert.equal(r.ok, false, target);
    }
    assert.equal(ruleFor(req({ kind: 'exec', argv: ['rm', '**'] }, '')).ok, false);
    assert.equal(ruleFor(req({ kind: 'net.fetch', url: 'https://u:p@example.com/' }, '')).ok, false);
  });

  it('refuses to edit a policy that is not valid JSON with comments', () => {
    const r = ruleFor(req({ kind: 'fs.read', path: 'a.txt' }, 'a.txt'));
    assert.ok(r.ok);
    assert.throws(() => addRule('{ "version": 1, ', r.rule), /not valid JSON with comments/);
  });

  it('creates a new policy on top of the default preset that loads', () => {
    const r = ruleFor(req({ kind: 'fs.write', path: 'docs/a.md' }, 'docs/a.md'));
    assert.ok(r.ok);
    const ws = makeWorkspace({ '.airlock/policy.json': newPolicyWithRule(r.rule, 'file:///ext/policies/policy.schema.json') });
    try {
      const loaded = loadPolicy({ workspaceRoot: ws.root });
      assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.problems));
      assert.equal(decide(loaded.policy, null, [], { kind: 'fs.write', path: 'docs/a.md' }, Date.now()).verdict, 'allow');
    } finally {
      ws.cleanup();
    }
  });
});
