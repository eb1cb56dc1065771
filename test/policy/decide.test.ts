// decide(): verdict order (deny > grant > allow > task ask > default), layers, built-in protections and provenance.
import assert from 'node:assert/strict';
import { decide } from '../../sandbox/policy/decide.js';
import { actionHash } from '../../sandbox/policy/grants.js';
import { startTask } from '../../sandbox/policy/task.js';
import type { Action, Grant } from '../../sandbox/policy/types.js';
import { HOME, ROOT, layered, ws } from './decide.fixtures.js';

const write = (path: string): Action => ({ kind: 'fs.write', path });
const read = (path: string): Action => ({ kind: 'fs.read', path });

describe('decide: filesystem rules', () => {
  const policy = ws({
    fs: {
      read: { allow: ['**'], deny: ['.env', 'secrets'] },
      write: { allow: ['src/**', 'docs/*.md'], deny: ['package.json', 'src/generated/**'] },
    },
  });

  it('allows, denies and falls to the default by the rule lists', () => {
    assert.equal(decide(policy, null, [], write('src/a.ts')).verdict, 'allow');
    assert.equal(decide(policy, null, [], write('package.json')).verdict, 'deny');
    assert.equal(decide(policy, null, [], write('src/generated/x.ts')).verdict, 'deny');
    assert.equal(decide(policy, null, [], write('README.md')).verdict, 'ask');
    assert.equal(decide(policy, null, [], write('docs/a.md')).verdict, 'allow');
    assert.equal(decide(policy, null, [], write('docs/sub/a.md')).verdict, 'ask');
  });

  it('lists and stats follow read; deletes and mkdirs follow write', () => {
    assert.equal(decide(policy, null, [], { kind: 'fs.list', path: 'README.md' }).verdict, 'allow');
    assert.equal(decide(policy, null, [], { kind: 'fs.stat', path: '.env' }).verdict, 'deny');
    assert.equal(decide(policy, null, [], { kind: 'fs.delete', path: 'package.json' }).verdict, 'deny');
    assert.equal(decide(policy, null, [], { kind: 'fs.mkdir', path: 'src/new' }).verdict, 'allow');
    assert.equal(decide(policy, null, [], { kind: 'fs.delete', path: 'README.md' }).verdict, 'ask');
  });

  it('a deny naming a folder also denies what is inside it', () => {
    const d = decide(policy, null, [], read('secrets/key.pem'));
    assert.equal(d.verdict, 'deny');
    assert.equal(d.rule.pattern, 'secrets');
  });

  it('globs match dotfiles', () => {
    assert.equal(decide(policy, null, [], write('src/.eslintrc')).verdict, 'allow');
  });

  it('the default is "ask" unless a layer says "deny"', () => {
    const strict = ws({ default: 'deny', fs: { write: { allow: ['src/**'] } } });
    const d = decide(strict, null, [], write('README.md'));
    assert.deepEqual([d.verdict, d.rule.layer], ['deny', 'default']);
    assert.equal(d.reason, 'no rule allows fs.write "README.md"; the policy default is deny.');
    assert.equal(decide(ws({}), null, [], write('x')).reason, 'no rule allows fs.write "x"; the policy default is ask.');
  });
});

describe('decide: paths outside the workspace', () => {
  const policy = ws({ fs: { read: { allow: ['**'] }, write: { allow: ['**'] } } });

  it('".." escapes are never matched by a workspace-relative rule', () => {
    for (const p of ['../other/file', 'src/../../other/file', './../../etc/passwd', `${ROOT}/../x`, '/etc/passwd']) {
      const d = decide(policy, null, [], read(p));
      assert.equal(d.verdict, 'ask', p);
      assert.equal(d.rule.layer, 'default', p);
    }
  });

  it('".." that stays inside the workspace is normalised first', () => {
    assert.equal(decide(policy, null, [], write('src/../lib//a.ts')).verdict, 'allow');
    const denied = ws({ fs: { write: { allow: ['**'], deny: ['package.json'] } } });
    assert.equal(decide(denied, null, [], write('src/../package.json')).verdict, 'deny');
    assert.equal(decide(denied, null, [], write(`${ROOT}/./package.json`)).verdict, 'deny');
  });

  it('a NUL byte or an empty path is denied with code path.invalid', () => {
    for (const p of ['src/a\0.ts', '']) {
      const d = decide(policy, null, [], write(p));
      assert.equal(d.verdict, 'deny');
      assert.equal(d.code, 'path.invalid');
      assert.match(d.reason, /NUL|empty/);
    }
  });

  it('absolute (//) and home (~/) rules match outside the workspace', () => {
    const p = ws({
      fs: {
        read: { allow: ['//usr/share/dict/**', '~/notes/**'], deny: ['~/.ssh/**'] },
        write: { allow: ['//tmp/scratch/**'] },
      },
    });
    assert.equal(decide(p, null, [], read('/usr/share/dict/words')).verdict, 'allow');
    assert.equal(decide(p, null, [], read('/usr/share/other')).verdict, 'ask');
    assert.equal(decide(p, null, [], read('~/notes/today.md')).verdict, 'allow');
    assert.equal(decide(p, null, [], read(`${HOME}/notes/today.md`)).verdict, 'allow');
    assert.equal(decide(p, null, [], read('~/.ssh/id_ed25519')).verdict, 'deny');
    assert.equal(decide(p, null, [], read(`${HOME}/x/../.ssh/config`)).verdict, 'deny');
    assert.equal(decide(p, null, [], write('/tmp/scratch/a/b.txt')).verdict, 'allow');
    assert.equal(decide(p, null, [], write('/tmp/scratch/../elsewhere')).verdict, 'ask');
  });

  it('compares case-insensitively only where the file system does', () => {
    const doc = { fs: { write: { allow: ['**'], deny: ['.env'] } } };
    assert.equal(decide(ws(doc, { caseInsensitive: true }), null, [], write('.ENV')).verdict, 'deny');
    assert.equal(decide(ws(doc, { caseInsensitive: false }), null, [], write('.ENV')).verdict, 'allow');
    assert.equal(decide(ws(doc, { caseInsensitive: true }), null, [], write('/WS/Project/.env')).verdict, 'deny');
  });
});

describe('decide: built-in protections', () => {
  const openAll = ws({ fs: { read: { allow: ['**', '//**'] }, write: { allow: ['**', '.git/**', '.airlock/**', '.vscode/**', '//**'] } } }, {
    protectedPaths: ['/var/airlock/logs'],
  });

  it('no allow opens Airlock\'s files, git hooks and config, or editor settings', () => {
    for (const [p, pattern] of [
      ['.git/hooks/pre-commit', '.git/hooks/**'], ['.airlock/policy.json', '.airlock/policy.json'], ['.airlock/other.json', '.airlock/**'],
      ['.git/config', '.git/config'], ['.vscode/settings.json', '.vscode/**'], ['vendor/lib/.git/hooks/post-checkout', '**/.git/hooks/**'],
    ] as const) {
      const d = decide(openAll, null, [], write(p));
      assert.equal(d.verdict, 'deny', p);
      assert.deepEqual(d.rule, { layer: 'builtin', pattern }, p);
      assert.match(d.reason, /no policy can open/);
    }
    assert.equal(decide(openAll, null, [], { kind: 'fs.delete', path: '.git/hooks' }).verdict, 'deny');
    assert.equal(decide(openAll, null, [], { kind: 'fs.mkdir', path: '.vscode' }).verdict, 'deny');
  });

  it('deleting a folder that holds a protected path is denied', () => {
    for (const p of ['.git', '.', 'src/..']) {
      assert.equal(decide(openAll, null, [], { kind: 'fs.delete', path: p }).verdict, 'deny', p);
    }
    assert.equal(decide(openAll, null, [], { kind: 'fs.delete', path: '.gitignore' }).verdict, 'allow');
    assert.equal(decide(openAll, null, [], { kind: 'fs.delete', path: '/var/airlock' }).verdict, 'deny');
  });

  it('protected files stay readable when the policy allows reading them', () => {
    assert.equal(decide(openAll, null, [], read('.git/config')).verdict, 'allow');
    assert.equal(decide(openAll, null, [], read('.airlock/policy.json')).verdict, 'allow');
  });

  it('the log directory is neither readable nor writable', () => {
    for (const kind of ['fs.read', 'fs.list', 'fs.write', 'fs.delete'] as const) {
      const d = decide(openAll, null, [], { kind, path: '/var/airlock/logs/session.jsonl' });
      assert.equal(d.verdict, 'deny', kind);
      assert.equal(d.rule.layer, 'builtin');
      assert.equal(d.rule.pattern, '/var/airlock/logs/**');
    }
    assert.equal(decide(openAll, null, [], read('/var/airlock/other')).verdict, 'allow');
  });

  it('no grant opens a built-in protection', () => {
    const task = startTask(openAll, { id: 't1', now: 0, scope: { fs: { write: { allow: ['**'] } } } });
    const grant: Grant = { id: 'g', taskId: 't1', scope: 'task', kind: 'fs.write', target: '**', created: 0 };
    assert.equal(decide(openAll, task, [grant], write('.git/hooks/pre-push'), 1).verdict, 'deny');
  });
});

describe('decide: precedence', () => {
  const policy = ws({ fs: { write: { allow: ['**'], deny: ['package.json'] } } });

  it('deny beats a grant, and a grant beats the default', () => {
    const task = startTask(policy, { id: 't', now: 0, scope: { fs: { write: { allow: ['src/**'] } } } });
    const grants: Grant[] = [
      { id: 'g1', taskId: 't', scope: 'task', kind: 'fs.write', target: '**', created: 0 },
    ];
    assert.equal(decide(policy, task, grants, write('package.json'), 1).verdict, 'deny');
    const granted = decide(policy, task, grants, write('README.md'), 1);
    assert.deepEqual(granted.rule, { layer: 'grant', grantId: 'g1', pattern: '**' });
    assert.equal(granted.verdict, 'allow');
    // Without the grant the task scope does not cover README.md: ask.
    assert.equal(decide(policy, task, [], write('README.md'), 1).verdict, 'ask');
  });

  it('a deny in any layer wins over allows in the others', () => {
    const p = layered({
      baseline: [{ version: 1, fs: { write: { allow: ['**'], deny: ['*.lock'] } } }],
      workspace: [{ version: 1, fs: { write: { allow: ['**'], deny: ['Makefile'] } } }],
    });
    assert.equal(decide(p, null, [], write('yarn.lock')).rule.layer, 'baseline');
    assert.equal(decide(p, null, [], write('Makefile')).rule.layer, 'workspace');
    assert.equal(decide(p, null, [], write('src/x')).verdict, 'allow');
  });

  it('a workspace file cannot widen the baseline: an allow needs both', () => {
    const p = layered({
      baseline: [{ version: 1, fs: { write: { allow: ['src/**'] } } }],
      workspace: [{ version: 1, fs: { write: { allow: ['**'] } }, net: { allow: ['https://example.com/**'] } }],
    });
    const src = decide(p, null, [], write('src/a.ts'));
    assert.deepEqual([src.verdict, src.rule.layer, src.rule.jsonPath], ['allow', 'workspace', 'fs.write.allow[0]']);
    const docs = decide(p, null, [], write('docs/a.md'));
    assert.deepEqual([docs.verdict, docs.rule.layer], ['ask', 'default']);
    assert.match(docs.reason, /baseline policy does not/);
    // The baseline says nothing about the network, so the workspace alone cannot allow a fetch.
    assert.equal(decide(p, null, [], { kind: 'net.fetch', url: 'https://example.com/' }).verdict, 'ask');
  });

  it('within a layer the sources (extends) are unioned', () => {
    const p = layered({ workspace: [
      { version: 1, fs: { write: { allow: ['src/**'] } } },
      { version: 1, extends: ['airlock:preset-0'], fs: { write: { allow: ['test/**'], deny: ['src/secret.ts'] } } },
    ] });
    assert.equal(decide(p, null, [], write('src/a.ts')).rule.file, 'airlock:preset-0');
    assert.equal(decide(p, null, [], write('test/a.ts')).rule.file, '.airlock/policy.json');
    assert.equal(decide(p, null, [], write('src/secret.ts')).verdict, 'deny');
  });
});

describe('decide: tasks', () => {
  const policy = ws({
    fs: { write: { allow: ['src/**', 'test/**'] } },
    tasks: { 'fix-tests': { intent: 'Fix the failing tests', scope: { fs: { write: { allow: ['test/**'], deny: ['test/fixtures/**'] } } }, ttlSeconds: 60 } },
  });

  it('a task narrows the policy: outside the scope is asked, with a reason naming the task', () => {
    const task = startTask(policy, { id: 'T1', now: 1000, template: 'fix-tests' });
    assert.equal(decide(policy, task, [], write('test/a.test.ts'), 2000).verdict, 'allow');
    const outside = decide(policy, task, [], write('src/a.ts'), 2000);
    assert.deepEqual([outside.verdict, outside.rule.layer], ['ask', 'task']);
    assert.match(outside.reason, /scope of task "T1" \(Fix the failing tests\) does not cover it/);
    const denied = decide(policy, task, [], write('test/fixtures/data.json'), 2000);
    assert.deepEqual([denied.verdict, denied.rule.layer, denied.rule.jsonPath], ['deny', 'task', 'tasks.fix-tests.scope.fs.write.deny[0]']);
  });

  it('a task scope never allows what the policy does not', () => {
    const task = startTask(policy, { id: 'T1', now: 0, scope: { fs: { write: { allow: ['**'] } } } });
    assert.equal(decide(policy, task, [], write('README.md'), 1).verdict, 'ask');
    assert.equal(decide(policy, task, [], write('README.md'), 1).rule.layer, 'default');
  });

  it('an expired task denies everything and its grants no longer count', () => {
    const task = startTask(policy, { id: 'T1', now: 0, template: 'fix-tests' });
    const grant: Grant = { id: 'g', taskId: 'T1', scope: 'task', kind: 'fs.write', target: '**', created: 0 };
    assert.equal(decide(policy, task, [grant], write('README.md'), 59_999).verdict, 'allow');
    const d = decide(policy, task, [grant], write('test/a.ts'), 60_000);
    assert.deepEqual([d.verdict, d.code, d.rule.layer], ['deny', 'task.expired', 'task']);
    assert.match(d.reason, /task "T1" \(Fix the failing tests\) has expired/);
  });

  it('grants of another task, or task grants without a task, do not count', () => {
    const task = startTask(policy, { id: 'T2', now: 0, template: 'fix-tests' });
    const other: Grant = { id: 'g', taskId: 'T1', scope: 'task', kind: 'fs.write', target: '**', created: 0 };
    assert.equal(decide(policy, task, [other], write('README.md'), 1).verdict, 'ask');
    assert.equal(decide(policy, null, [other], write('README.md'), 1).verdict, 'ask');
  });

  it('a once grant covers exactly its action', () => {
    const action = write('./docs/../README.md');
    const grant: Grant = { id: 'once1', taskId: 'T1', scope: 'once', kind: 'fs.write', actionHash: actionHash(policy, action), created: 0 };
    const task = startTask(policy, { id: 'T1', now: 0, template: 'fix-tests' });
    const d = decide(policy, task, [grant], write('README.md'), 1);
    assert.deepEqual([d.verdict, d.rule.grantId], ['allow', 'once1']);
    assert.equal(decide(policy, task, [grant], write('README.txt'), 1).verdict, 'ask');
    assert.equal(decide(policy, task, [grant], { kind: 'fs.delete', path: 'README.md' }, 1).verdict, 'ask');
  });
});

describe('decide: provenance', () => {
  it('names the layer, file, JSON path, pattern and line:col of the deciding rule', () => {
    const p = ws({ fs: { write: { allow: ['src/**'], deny: ['package.json', 'src/*.lock'] } } });
    const d = decide(p, null, [], write('src/yarn.lock'));
    // Pretty-printed JSON: line 6 holds allow[0], line 10 deny[1], both at column 9.
    assert.deepEqual(d.rule, { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.write.deny[1]', pattern: 'src/*.lock', line: 10, col: 9 });
    assert.equal(d.reason, 'fs.write "src/yarn.lock" is denied by workspace policy fs.write.deny[1] "src/*.lock"; deny rules cannot be overridden.');
    const a = decide(p, null, [], write('src/a.ts'));
    assert.deepEqual(a.rule, { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.write.allow[0]', pattern: 'src/**', line: 6, col: 9 });
    assert.equal(a.reason, 'fs.write "src/a.ts" is allowed by workspace policy fs.write.allow[0] "src/**".');
  });

  it('argv patterns are shown as JSON', () => {
    const p = ws({ exec: { deny: [['git', 'push', '**']] } });
    const d = decide(p, null, [], { kind: 'exec', argv: ['git', 'push', '--force'] });
    assert.equal(d.rule.pattern, '["git","push","**"]');
    assert.equal(d.rule.jsonPath, 'exec.deny[0]');
    assert.match(d.reason, /^exec \["git","push","--force"\] is denied by workspace policy exec.deny\[0\]/);
  });
});
