// Text for people and agents: describeTarget, formatDecision and deniedMessage.
import assert from 'node:assert/strict';
import { decide } from '../../sandbox/policy/decide.js';
import { deniedMessage, describeTarget, formatDecision } from '../../sandbox/policy/format.js';
import type { Action } from '../../sandbox/policy/types.js';
import { ws } from './decide.fixtures.js';

describe('format', () => {
  const policy = ws({ fs: { write: { allow: ['src/**'], deny: ['package.json'] } }, net: { allow: ['https://x.test/**'] } });

  it('describes targets: normalised path, URL without its password, argv as JSON', () => {
    assert.equal(describeTarget({ kind: 'fs.read', path: './src//a/../b.ts' }), 'src/b.ts');
    assert.equal(describeTarget({ kind: 'net.fetch', url: 'https://u:secret@x.test/a' }), 'https://***:***@x.test/a');
    assert.equal(describeTarget({ kind: 'exec', argv: ['git', 'commit', '-m', 'a "b"'] }), '["git","commit","-m","a \\"b\\""]');
  });

  it('formats one CLI line per decision, naming the deciding rule', () => {
    const hook: Action = { kind: 'fs.write', path: '.git/hooks/pre-commit' };
    assert.equal(formatDecision(hook, decide(policy, null, [], hook)), 'deny  fs.write  .git/hooks/pre-commit  ← built-in protection ".git/hooks/**"');
    const pkg: Action = { kind: 'fs.write', path: 'package.json' };
    assert.equal(formatDecision(pkg, decide(policy, null, [], pkg)), 'deny  fs.write  package.json  ← workspace policy fs.write.deny[0] "package.json" (.airlock/policy.json:9:9)');
    const src: Action = { kind: 'fs.write', path: 'src/a.ts' };
    assert.match(formatDecision(src, decide(policy, null, [], src)), /^allow fs\.write  src\/a\.ts  ← workspace policy fs\.write\.allow\[0\] "src\/\*\*"/);
    const other: Action = { kind: 'fs.write', path: 'README.md' };
    assert.equal(formatDecision(other, decide(policy, null, [], other)), 'ask   fs.write  README.md  ← no rule allows fs.write "README.md"; the policy default is ask.');
  });

  it('tells the agent what was refused and why', () => {
    const pkg: Action = { kind: 'fs.write', path: 'package.json' };
    assert.equal(deniedMessage(pkg, decide(policy, null, [], pkg)), 'Airlock denied fs.write "package.json": workspace policy fs.write.deny[0] "package.json"');
    const meta: Action = { kind: 'net.fetch', url: 'http://169.254.169.254/latest' };
    assert.match(deniedMessage(meta, decide(policy, null, [], meta)), /^Airlock denied net\.fetch "http:\/\/169\.254\.169\.254\/latest": net\.fetch .* a cloud metadata address/);
    const cmd: Action = { kind: 'exec', argv: ['make'] };
    assert.match(deniedMessage(cmd, decide(ws({ default: 'deny' }), null, [], cmd)), /^Airlock denied exec \["make"\]: no rule allows exec \["make"\]; the policy default is deny\.$/);
  });
});
