// startTask: templates, explicit scopes, lifetimes and the errors a user sees.
import assert from 'node:assert/strict';
import { AirlockError } from '../../sandbox/errors.js';
import { decide } from '../../sandbox/policy/decide.js';
import { DEFAULT_TTL_SECONDS } from '../../sandbox/policy/schema.js';
import { startTask } from '../../sandbox/policy/task.js';
import { ws } from './decide.fixtures.js';

const policy = ws({
  fs: { write: { allow: ['**'] } },
  tasks: {
    docs: { intent: 'Update the docs', scope: { fs: { write: { allow: ['docs/**'] } } }, ttlSeconds: 120 },
    tests: { intent: 'Fix tests', scope: { fs: { write: { allow: ['test/**'] } } } },
  },
});

describe('task: startTask', () => {
  it('starts from a template with its intent and lifetime', () => {
    const t = startTask(policy, { id: 'a', now: 5000, template: 'docs' });
    assert.deepEqual([t.intent, t.template, t.started, t.expires], ['Update the docs', 'docs', 5000, 5000 + 120_000]);
    const u = startTask(policy, { id: 'b', now: 0, template: 'tests', ttlSeconds: 10 });
    assert.equal(u.expires, 10_000);
    assert.equal(startTask(policy, { id: 'c', now: 0, template: 'tests' }).expires, DEFAULT_TTL_SECONDS * 1000);
  });

  it('an unknown template is an error naming the templates that exist', () => {
    assert.throws(() => startTask(policy, { id: 'x', now: 0, template: 'deploy' }), (e: unknown) =>
      e instanceof AirlockError && e.code === 'task.unknown-template' && /"docs", "tests"/.test(e.message));
    assert.throws(() => startTask(policy, { id: 'x', now: 0, template: 'toString' }), /no task template "toString"/);
  });

  it('starts from an explicit scope, checked against the schema', () => {
    const t = startTask(policy, { id: 'e', now: 0, intent: 'Edit one file', scope: { fs: { write: { allow: ['src/a.ts'] } } }, scopeFile: 'scope.json' });
    assert.equal(decide(policy, t, [], { kind: 'fs.write', path: 'src/a.ts' }, 1).verdict, 'allow');
    assert.equal(decide(policy, t, [], { kind: 'fs.write', path: 'src/b.ts' }, 1).verdict, 'ask');
    assert.equal(decide(policy, t, [], { kind: 'fs.write', path: 'src/a.ts' }, 1).rule.file, 'scope.json');
    assert.throws(() => startTask(policy, { id: 'e', now: 0, scope: { fs: { write: { allow: 'src' } } } as never }),
      (e: unknown) => e instanceof AirlockError && e.code === 'task.invalid-scope');
  });

  it('a template and an explicit scope together narrow each other', () => {
    const t = startTask(policy, { id: 'n', now: 0, template: 'docs', scope: { fs: { write: { allow: ['docs/api/**', 'src/**'] } } } });
    assert.equal(decide(policy, t, [], { kind: 'fs.write', path: 'docs/api/x.md' }, 1).verdict, 'allow');
    assert.equal(decide(policy, t, [], { kind: 'fs.write', path: 'docs/guide.md' }, 1).verdict, 'ask');
    assert.equal(decide(policy, t, [], { kind: 'fs.write', path: 'src/a.ts' }, 1).verdict, 'ask');
  });

  it('a task needs a template or a scope', () => {
    assert.throws(() => startTask(policy, { id: 'z', now: 0 }), (e: unknown) => e instanceof AirlockError && e.code === 'task.no-scope');
  });
});
