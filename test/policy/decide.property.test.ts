// Properties of decide over random policies and actions: deny wins, outside paths stay outside, layers only narrow.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide } from '../../sandbox/policy/decide.js';
import { normalisePath } from '../../sandbox/policy/paths.js';
import type { PolicyDoc, Scope } from '../../sandbox/policy/schema.js';
import { startTask } from '../../sandbox/policy/task.js';
import type { Action, Grant } from '../../sandbox/policy/types.js';
import { HOME, ROOT, layered, ws } from './decide.fixtures.js';

const segment = fc.constantFrom('a', 'b', 'src', 'docs', '.git', 'hooks', '.env', 'x.ts', 'y.md', '..', '.', '');
const relPath = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')).filter((p) => p !== '');
const anyPath = fc.oneof(relPath, relPath.map((p) => `/${p}`), relPath.map((p) => `~/${p}`), relPath.map((p) => `${ROOT}/${p}`));
const glob = fc.constantFrom('**', '*', 'src/**', 'docs/*', '*.ts', '**/*.md', 'a/**', '.env', 'a/b', '{src,docs}/**', '.git/**', '**/x.ts');
const absGlob = fc.constantFrom('//**', '//tmp/**', '~/**', '~/a/**', '//ws/**');
const globs = fc.array(fc.oneof(glob, absGlob), { maxLength: 4 });
const fsKind = fc.constantFrom('fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir' as const);
const fsAction = fc.record({ kind: fsKind, path: anyPath }) as fc.Arbitrary<Action>;
const argv = fc.array(fc.constantFrom('npm', 'git', 'test', 'run', 'push', '-f', './npm', '/usr/bin/git'), { minLength: 1, maxLength: 4 });
const argvPattern = fc.array(fc.constantFrom('npm', 'git', 'test', 'run', '*', 'push'), { minLength: 1, maxLength: 3 })
  .chain((p) => fc.boolean().map((rest) => (rest ? [...p, '**'] : p)));
const execAction = argv.map((a): Action => ({ kind: 'exec', argv: a }));
const action = fc.oneof(fsAction, execAction);

const scope: fc.Arbitrary<Scope> = fc.record({
  fs: fc.record({ read: fc.record({ allow: globs, deny: globs }), write: fc.record({ allow: globs, deny: globs }) }),
  exec: fc.record({ allow: fc.array(argvPattern, { maxLength: 3 }), deny: fc.array(argvPattern, { maxLength: 2 }) }),
});
const doc = scope.map((s): PolicyDoc => ({ version: 1, ...s }));

const grantFor = (a: Action, taskId: string): Grant => (a.kind === 'exec'
  ? { id: 'g', taskId, scope: 'task', kind: a.kind, target: ['**'], created: 0 }
  : { id: 'g', taskId, scope: 'task', kind: a.kind, target: '**', created: 0 });

const RUNS = { numRuns: 300 };

describe('decide: properties', () => {
  it('a deny rule matching the action wins over any allow, task scope or grant', () => {
    fc.assert(fc.property(doc, fsAction, (d, a) => {
      if (a.kind === 'exec' || a.kind === 'net.fetch' || a.kind === 'tool') return;
      let norm;
      try { norm = normalisePath(ROOT, HOME, a.path, { caseInsensitive: false }); } catch { return; }
      // A deny naming exactly this path, in the rule list that governs the action.
      const escape = (x: string) => x.replace(/[[\]{}()*?!+@|]/g, '\\$&');
      // The workspace root itself is matched by "**" (its relative path is empty).
      const exact = norm.rel === '.' ? '**' : norm.rel !== null ? escape(norm.rel) : `/${escape(norm.abs)}`;
      const list = ['fs.read', 'fs.list', 'fs.stat'].includes(a.kind) ? 'read' : 'write';
      const withDeny: PolicyDoc = { ...d, fs: { ...d.fs, [list]: { allow: ['**', '//**'], deny: [...(d.fs?.[list]?.deny ?? []), exact] } } };
      const policy = layered({ workspace: [withDeny] });
      const task = startTask(policy, { id: 't', now: 0, scope: { fs: { read: { allow: ['**', '//**'] }, write: { allow: ['**', '//**'] } } } });
      const verdict = decide(policy, task, [grantFor(a, 't')], a, 1).verdict;
      assert.equal(verdict, 'deny');
    }), RUNS);
  });

  it('a deny argv pattern matching the command wins over allows and grants', () => {
    fc.assert(fc.property(doc, argv, (d, a) => {
      const policy = layered({ workspace: [{ ...d, exec: { allow: [['**']], deny: [...(d.exec?.deny ?? []), ['*', '**']] } }] });
      const act: Action = { kind: 'exec', argv: a };
      assert.equal(decide(policy, null, [grantFor(act, '')], act).verdict, 'deny');
    }), RUNS);
  });

  it('no path outside the workspace is allowed by a workspace-relative rule', () => {
    const wsGlobs = fc.array(glob, { minLength: 1, maxLength: 5 });
    fc.assert(fc.property(wsGlobs, wsGlobs, fsAction, (readAllow, writeAllow, a) => {
      if (a.kind === 'exec' || a.kind === 'net.fetch' || a.kind === 'tool') return;
      let norm;
      try { norm = normalisePath(ROOT, HOME, a.path, { caseInsensitive: false }); } catch { return; }
      const policy = ws({ fs: { read: { allow: readAllow }, write: { allow: writeAllow } } });
      const d = decide(policy, null, [], a);
      if (norm.rel === null) {
        assert.notEqual(d.verdict, 'allow', `${a.path} → ${norm.abs}`);
        assert.notEqual(d.rule.layer, 'workspace');
      }
    }), { numRuns: 500 });
  });

  it('normalisation is idempotent', () => {
    const pathText = fc.oneof(anyPath, fc.string({ minLength: 1 }).filter((s) => !s.includes('\0')));
    fc.assert(fc.property(pathText, fc.boolean(), (p, ci) => {
      const once = normalisePath(ROOT, HOME, p, { caseInsensitive: ci });
      assert.deepEqual(normalisePath(ROOT, HOME, once.abs, { caseInsensitive: ci }), once);
    }), { numRuns: 500 });
  });

  it('adding a baseline layer or a task never turns a deny or ask into allow', () => {
    fc.assert(fc.property(doc, doc, scope, action, (workspace, baseline, taskScope, a) => {
      const alone = decide(layered({ workspace: [workspace] }), null, [], a);
      const withBaseline = layered({ baseline: [baseline], workspace: [workspace] });
      const both = decide(withBaseline, null, [], a);
      const task = startTask(withBaseline, { id: 't', now: 0, scope: taskScope });
      const narrowed = decide(withBaseline, task, [], a, 1);
      if (alone.verdict !== 'allow') {
        assert.notEqual(both.verdict, 'allow');
        assert.notEqual(narrowed.verdict, 'allow');
      }
      if (both.verdict !== 'allow') assert.notEqual(narrowed.verdict, 'allow');
      if (alone.verdict === 'deny') assert.equal(both.verdict, 'deny');
      if (both.verdict === 'deny') assert.equal(narrowed.verdict, 'deny');
    }), RUNS);
  });

  it('no policy allow opens a built-in protection for writing', () => {
    const protectedPath = fc.tuple(fc.constantFrom('.git/hooks/', '.airlock/', '.vscode/', 'a/.git/hooks/'), fc.constantFrom('pre-commit', 'policy.json', 'x/y'))
      .map(([dir, file]) => dir + file);
    const writeKind = fc.constantFrom('fs.write', 'fs.delete', 'fs.mkdir' as const);
    fc.assert(fc.property(globs, protectedPath, writeKind, (allow, p, kind) => {
      const policy = ws({ fs: { write: { allow: [...allow, '**', '.git/**', '.airlock/**', '.vscode/**'] } } });
      const task = startTask(policy, { id: 't', now: 0, scope: { fs: { write: { allow: ['**'] } } } });
      const d = decide(policy, task, [grantFor({ kind, path: p }, 't')], { kind, path: p }, 1);
      assert.deepEqual([d.verdict, d.rule.layer], ['deny', 'builtin']);
    }), RUNS);
  });
});
