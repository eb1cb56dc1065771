// Command rules: argv patterns element by element, "*" and "**", program names versus paths, bad patterns.
import assert from 'node:assert/strict';
import { AirlockError } from '../../sandbox/errors.js';
import { decide } from '../../sandbox/policy/decide.js';
import type { Action } from '../../sandbox/policy/types.js';
import { ws } from './decide.fixtures.js';

const run = (argv: string[], program?: string): Action => ({ kind: 'exec', argv, ...(program !== undefined ? { program } : {}) });

describe('exec: argv patterns', () => {
  const policy = ws({
    exec: {
      allow: [['npm', 'test'], ['npm', 'run', '*'], ['git', 'status', '**'], ['/usr/local/bin/tool', '**']],
      deny: [['rm', '**'], ['git', 'push', '**'], ['npm', 'run', 'deploy']],
    },
  });
  const verdict = (argv: string[], program?: string) => decide(policy, null, [], run(argv, program)).verdict;

  it('literal elements match exactly, with no globbing inside an element', () => {
    assert.equal(verdict(['npm', 'test']), 'allow');
    assert.equal(verdict(['npm', 'test', '--watch']), 'ask');
    assert.equal(verdict(['npm', 'tes*']), 'ask');
    assert.equal(verdict(['npm']), 'ask');
  });

  it('"*" is exactly one argument', () => {
    assert.equal(verdict(['npm', 'run', 'build']), 'allow');
    assert.equal(verdict(['npm', 'run']), 'ask');
    assert.equal(verdict(['npm', 'run', 'build', '--', '--prod']), 'ask');
  });

  it('"**" is the rest, zero or more', () => {
    assert.equal(verdict(['git', 'status']), 'allow');
    assert.equal(verdict(['git', 'status', '--short', '-b']), 'allow');
    assert.equal(verdict(['git', 'push', 'origin', 'main']), 'deny');
    assert.equal(verdict(['git', 'push']), 'deny');
  });

  it('deny beats allow for the same command', () => {
    const d = decide(policy, null, [], run(['npm', 'run', 'deploy']));
    assert.deepEqual([d.verdict, d.rule.jsonPath], ['deny', 'exec.deny[2]']);
  });

  it('a program name allows only a PATH lookup of that name, never a path ending in it', () => {
    assert.equal(verdict(['npm', 'test'], '/usr/bin/npm'), 'allow');
    assert.equal(verdict(['./npm', 'test']), 'ask');
    assert.equal(verdict(['/tmp/evil/npm', 'test'], '/tmp/evil/npm'), 'ask');
    assert.equal(verdict(['npm', 'test'], '/usr/bin/not-npm'), 'ask');
  });

  it('a program name denies any path to a program of that name', () => {
    assert.equal(verdict(['rm', '-rf', '/']), 'deny');
    assert.equal(verdict(['/bin/rm', '-rf', '/']), 'deny');
    assert.equal(verdict(['./rm']), 'deny');
    assert.equal(verdict(['myrm'], '/usr/bin/rm'), 'deny');
  });

  it('a program path matches the resolved program exactly', () => {
    assert.equal(verdict(['tool', 'x'], '/usr/local/bin/tool'), 'allow');
    assert.equal(verdict(['/usr/local/bin/tool', 'x']), 'allow');
    assert.equal(verdict(['tool', 'x'], '/opt/tool'), 'ask');
    assert.equal(verdict(['tool', 'x']), 'ask');
  });

  it('"*" as the program matches any program, and ["**"] every command', () => {
    const p = ws({ exec: { allow: [['*', '--version']], deny: [['**']] } });
    assert.equal(decide(p, null, [], run(['node', '--version'])).verdict, 'deny');
    const q = ws({ exec: { allow: [['*', '--version']] } });
    assert.equal(decide(q, null, [], run(['node', '--version'])).verdict, 'allow');
    assert.equal(decide(q, null, [], run(['node', '-v'])).verdict, 'ask');
  });

  it('an empty command is denied with a code', () => {
    const d = decide(policy, null, [], run([]));
    assert.deepEqual([d.verdict, d.code], ['deny', 'exec.empty']);
  });

  it('"**" anywhere but last is a policy error naming the rule', () => {
    assert.throws(() => ws({ exec: { allow: [['npm', '**', 'test']] } }), (e: unknown) =>
      e instanceof AirlockError && e.code === 'policy.bad-pattern' && e.place?.jsonPath === 'exec.allow[0]');
  });
});

describe('exec: arguments naming protected paths', () => {
  const policy = ws({ exec: { allow: [['cat', '*'], ['cp', '*', '*'], ['git', 'diff', '*'], ['ls', '*']] } });
  const decideRun = (argv: string[], cwd?: string) => decide(policy, null, [], { kind: 'exec', argv, ...(cwd !== undefined ? { cwd } : {}) });

  it('are refused with the built-in rule, whatever the allow rules, from the command\'s working directory too', () => {
    for (const [argv, cwd] of [
      [['cat', '.airlock/policy.json']], [['cp', 'x.sh', '.git/hooks/pre-commit']], [['git', 'diff', '--output=.vscode/settings.json']],
      [['cp', 'x', '../.git/config'], 'src'], [['ls', '.airlock']],
    ] as [string[], string?][]) {
      const d = decideRun(argv, cwd);
      assert.deepEqual([d.verdict, d.rule.layer, d.code], ['deny', 'builtin', 'exec.protected-argument'], JSON.stringify(argv));
      assert.match(d.reason, /names a path under built-in protection/);
    }
  });

  it('leave ordinary arguments, options and the workspace itself alone', () => {
    for (const argv of [['cat', 'src/a.ts'], ['ls', '.'], ['git', 'diff', '--stat'], ['cp', 'a.txt', 'notes/.gitkeep'], ['ls', 'update .vscode notes']]) {
      assert.equal(decideRun(argv).verdict, 'allow', JSON.stringify(argv));
    }
  });
});
