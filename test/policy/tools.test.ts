// The `tool` action kind: server/tool patterns in every layer and task scope, grants, lint, and agents' hook files protected.
import assert from 'node:assert/strict';
import { decide } from '../../sandbox/policy/decide.js';
import { suggestGrantTargets } from '../../sandbox/policy/grants.js';
import { lintPolicy } from '../../sandbox/policy/lint.js';
import { startTask } from '../../sandbox/policy/task.js';
import type { Action, Grant } from '../../sandbox/policy/types.js';
import { HOME, layered } from './decide.fixtures.js';

const tool = (name: string, args?: string[]): Action => ({ kind: 'tool', tool: name, ...(args ? { args } : {}) });
const where = { file: 'p.json', locate: () => undefined, locateKey: () => undefined };

describe('policy: tools', () => {
  const policy = layered({ workspace: [{ version: 1, tools: { allow: ['github/get_*', 'docs/*'], deny: ['github/delete_*'] } }] });

  it('allows a tool an allow pattern names, citing the rule', () => {
    const d = decide(policy, null, [], tool('github/get_issue'));
    assert.equal(d.verdict, 'allow');
    assert.equal(d.rule.jsonPath, 'tools.allow[0]');
  });

  it('denies a tool a deny pattern names, over an allow', () => {
    const p = layered({ workspace: [{ version: 1, tools: { allow: ['github/*'], deny: ['github/delete_*'] } }] });
    const d = decide(p, null, [], tool('github/delete_repo'));
    assert.equal(d.verdict, 'deny');
    assert.match(d.reason, /tool "github\/delete_repo" is denied by workspace policy tools\.deny\[0\]/);
  });

  it('asks about an unknown tool, and "*" does not cross the server/tool slash', () => {
    assert.equal(decide(policy, null, [], tool('gitlab/get_issue')).verdict, 'ask');
    assert.equal(decide(policy, null, [], tool('docs/a/b')).verdict, 'ask');
  });

  it('refuses a malformed tool name', () => {
    const d = decide(policy, null, [], tool('no-slash'));
    assert.equal(d.verdict, 'deny');
    assert.equal(d.code, 'tool.invalid');
  });

  it('a task scope narrows tools; a task grant covers the server pattern it names', () => {
    const task = startTask(policy, { id: 't', now: 0, scope: { tools: { allow: ['docs/*'] } } });
    assert.equal(decide(policy, task, [], tool('github/get_issue'), 1).verdict, 'ask');
    assert.equal(decide(policy, task, [], tool('docs/search'), 1).verdict, 'allow');
    assert.deepEqual(suggestGrantTargets(policy, tool('github/get_issue')), ['github/get_issue', 'github/*']);
    const grant: Grant = { id: 'g1', taskId: 't', scope: 'task', kind: 'tool', target: 'github/*', created: 0 };
    assert.equal(decide(policy, task, [grant], tool('github/get_issue'), 1).verdict, 'allow');
  });

  it('a tool whose argument names a protected path is denied by a built-in rule', () => {
    const p = layered({ workspace: [{ version: 1, tools: { allow: ['fs/*'] } }] });
    const d = decide(p, null, [], tool('fs/write_file', ['.claude/settings.json', 'x']));
    assert.equal(d.verdict, 'deny');
    assert.equal(d.code, 'tool.protected-argument');
  });

  it('lint refuses an allow of any server and a pattern without server/tool', () => {
    const problems = lintPolicy({ version: 1, tools: { allow: ['*/*', 'github'] } }, where);
    assert.deepEqual(problems.map((p) => p.code), ['policy.too-broad', 'policy.invalid-pattern']);
    assert.deepEqual(lintPolicy({ version: 1, tools: { deny: ['*/delete_*'] } }, where), []);
  });
});

describe('policy: agents\' hook files are built-in protected', () => {
  const open = layered({ workspace: [{ version: 1, fs: { write: { allow: ['.claude/**', '.github/**', '.codex/**', '.gemini/**', '.cursor/**', 'src/**'] } } }] });
  for (const p of ['.claude/settings.json', '.claude/settings.local.json', '.github/hooks/airlock.json', '.codex/hooks.json',
    '.gemini/settings.json', '.cursor/hooks.json', `${HOME}/.claude/settings.json`, `${HOME}/.codex/config.toml`, `${HOME}/.config/airlock/policy.json`]) {
    it(`no policy opens a write of ${p}`, () => {
      const d = decide(open, null, [], { kind: 'fs.write', path: p });
      assert.equal(d.verdict, 'deny');
      assert.equal(d.rule.layer, 'builtin');
    });
  }
  it('nor a delete of the folder holding them, nor a command naming them', () => {
    assert.equal(decide(open, null, [], { kind: 'fs.delete', path: '.github' }).verdict, 'deny');
    assert.equal(decide(open, null, [], { kind: 'exec', argv: ['rm', '-rf', '.codex'] }).verdict, 'deny');
  });
  it('other files in those folders stay the policy\'s', () => {
    assert.equal(decide(open, null, [], { kind: 'fs.write', path: '.claude/commands/x.md' }).verdict, 'allow');
  });
});
