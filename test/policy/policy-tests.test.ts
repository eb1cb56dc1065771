// A policy's `tests` examples: decided by the real core, reported with the decision, located when they fail.
import assert from 'node:assert/strict';
import { loadPolicy } from '../../sandbox/policy/load.js';
import { actionOfTest, runPolicyTests } from '../../sandbox/policy/policyTests.js';
import { makeWorkspace } from '../support/workspace.js';
import type { TempWorkspace } from '../support/workspace.js';

describe('policy examples (runPolicyTests)', () => {
  let ws: TempWorkspace;
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(() => ws.cleanup());

  const POLICY = `{
  "version": 1,
  "extends": ["airlock:default"],
  "fs": { "write": { "allow": ["src/**"], "deny": ["src/vendor/**"] } },
  "exec": { "allow": [["npm", "test"]] },
  "tasks": { "docs": { "intent": "write docs", "scope": { "fs": { "write": { "allow": ["docs/**"] } } } } },
  "tests": [
    { "action": "fs.write", "target": "src/a.ts", "expect": "allow" },
    { "action": "fs.write", "target": "src/vendor/x.js", "expect": "allow" },
    { "action": "exec", "target": "[\\"npm\\",\\"test\\"]", "expect": "allow" },
    { "action": "fs.write", "target": "src/a.ts", "task": "docs", "expect": "ask" }
  ]
}`;

  it('decides each example and says why the failing one fails, at its place', () => {
    ws.write('.airlock/policy.json', POLICY);
    const loaded = loadPolicy({ workspaceRoot: ws.root, checkExamples: false });
    assert.ok(loaded.ok);
    const results = runPolicyTests(loaded.policy);
    assert.deepEqual(results.map((r) => [r.pass, r.decision?.verdict]), [[true, 'allow'], [false, 'deny'], [true, 'allow'], [true, 'ask']]);
    const failing = results[1]!;
    assert.deepEqual(failing.place, { file: '.airlock/policy.json', line: 9, col: 5, jsonPath: 'tests[1]' });
    assert.match(failing.message, /^expected allow, got deny: .*fs\.write\.deny\[0\] "src\/vendor\/\*\*"/);
    assert.deepEqual(results[2]!.action, { kind: 'exec', argv: ['npm', 'test'] });
  });

  it('makes the same failing example fail the load', () => {
    ws.write('.airlock/policy.json', POLICY);
    const result = loadPolicy({ workspaceRoot: ws.root });
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.deepEqual(result.problems.map((p) => [p.code, p.place?.jsonPath, p.place?.line]), [['policy.test-failed', 'tests[1]', 9]]);
    }
  });

  it('checks only the loaded file\'s examples, not those of the presets it extends', () => {
    // airlock:default expects fs.write src/index.ts to ask; this policy allows it, and still loads.
    ws.write('.airlock/policy.json', '{"version": 1, "extends": ["airlock:default"], "fs": {"write": {"allow": ["src/**"]}}}');
    const result = loadPolicy({ workspaceRoot: ws.root });
    assert.ok(result.ok);
    assert.deepEqual(runPolicyTests(result.policy), []);
  });

  it('reads exec targets as argv arrays (or the older JSON-in-a-string form), never as shell strings', () => {
    const commit = { ok: true, action: { kind: 'exec', argv: ['git', 'commit', '-m', 'a b'] } };
    assert.deepEqual(actionOfTest('exec', ['git', 'commit', '-m', 'a b']), commit);
    assert.deepEqual(actionOfTest('exec', '["git","commit","-m","a b"]'), commit);
    assert.deepEqual(actionOfTest('exec', 'ls'), { ok: true, action: { kind: 'exec', argv: ['ls'] } });
    for (const bad of ['git status', '[]', '["git", 1]', '{"argv": ["git"]}', []]) {
      assert.equal(actionOfTest('exec', bad).ok, false, JSON.stringify(bad));
    }
    assert.deepEqual(actionOfTest('exec', 'git status'), { ok: false, message: 'an exec target "git status" is ambiguous (one argument with spaces, or several?); write it as an array: ["git", "status"]' });
    assert.equal(actionOfTest('fs.read', ['a', 'b']).ok, false);
    assert.deepEqual(actionOfTest('net.fetch', 'https://example.com/'), { ok: true, action: { kind: 'net.fetch', url: 'https://example.com/' } });
    assert.deepEqual(actionOfTest('fs.delete', 'a.txt'), { ok: true, action: { kind: 'fs.delete', path: 'a.txt' } });
  });
});
