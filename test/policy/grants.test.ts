// Grants: what allow-once binds to, what a task grant covers, and the targets offered to the user.
import assert from 'node:assert/strict';
import { decide } from '../../sandbox/policy/decide.js';
import { actionHash, grantCovers, suggestGrantTargets } from '../../sandbox/policy/grants.js';
import { startTask } from '../../sandbox/policy/task.js';
import type { Action, Grant } from '../../sandbox/policy/types.js';
import { HOME, ROOT, ws } from './decide.fixtures.js';

const policy = ws({});
const taskGrant = (kind: Action['kind'], target: string | string[]): Grant => ({ id: 'g', taskId: 't', scope: 'task', kind, target, created: 0 });

describe('grants: actionHash', () => {
  it('is the same for equivalent spellings of one target and differs by kind or target', () => {
    const h = (a: Action) => actionHash(policy, a);
    assert.match(h({ kind: 'fs.write', path: 'a.ts' }), /^[0-9a-f]{64}$/);
    assert.equal(h({ kind: 'fs.write', path: 'src/../a.ts' }), h({ kind: 'fs.write', path: `${ROOT}//a.ts` }));
    assert.notEqual(h({ kind: 'fs.write', path: 'a.ts' }), h({ kind: 'fs.read', path: 'a.ts' }));
    assert.notEqual(h({ kind: 'fs.write', path: 'a.ts' }), h({ kind: 'fs.write', path: 'b.ts' }));
    assert.equal(h({ kind: 'net.fetch', url: 'https://EXAMPLE.com:443/a/../b' }), h({ kind: 'net.fetch', url: 'https://example.com/b' }));
    assert.notEqual(h({ kind: 'exec', argv: ['npm', 'test'] }), h({ kind: 'exec', argv: ['npm', 'test', 'x'] }));
    assert.notEqual(h({ kind: 'exec', argv: ['a b'] }), h({ kind: 'exec', argv: ['a', 'b'] }));
  });
});

describe('grants: grantCovers', () => {
  it('a task grant covers its kind and its target pattern only', () => {
    assert.ok(grantCovers(policy, taskGrant('fs.write', 'docs/**'), { kind: 'fs.write', path: 'docs/a/b.md' }));
    assert.ok(!grantCovers(policy, taskGrant('fs.write', 'docs/**'), { kind: 'fs.delete', path: 'docs/a/b.md' }));
    assert.ok(!grantCovers(policy, taskGrant('fs.write', 'docs/**'), { kind: 'fs.write', path: 'docs/../src/a' }));
    assert.ok(grantCovers(policy, taskGrant('net.fetch', 'https://api.test/**'), { kind: 'net.fetch', url: 'https://api.test/v1' }));
    assert.ok(!grantCovers(policy, taskGrant('net.fetch', 'https://api.test/**'), { kind: 'net.fetch', url: 'http://api.test/v1' }));
    assert.ok(grantCovers(policy, taskGrant('exec', ['make', '**']), { kind: 'exec', argv: ['make', 'all'] }));
    assert.ok(!grantCovers(policy, taskGrant('exec', ['make', '**']), { kind: 'exec', argv: ['./make', 'all'] }));
  });

  it('a malformed or mistyped target covers nothing', () => {
    assert.ok(!grantCovers(policy, taskGrant('net.fetch', 'nonsense'), { kind: 'net.fetch', url: 'https://x.test/' }));
    assert.ok(!grantCovers(policy, taskGrant('exec', 'make'), { kind: 'exec', argv: ['make'] }));
    assert.ok(!grantCovers(policy, taskGrant('fs.read', ['**']), { kind: 'fs.read', path: 'a' }));
  });

  it('a task grant does not open a special address', () => {
    const task = startTask(policy, { id: 't', now: 0, scope: {} });
    const d = decide(policy, task, [taskGrant('net.fetch', 'http://*:*/**')], { kind: 'net.fetch', url: 'http://169.254.169.254/latest/meta-data' }, 1);
    assert.deepEqual([d.verdict, d.code], ['deny', 'net.ssrf']);
  });
});

describe('grants: suggestGrantTargets', () => {
  it('offers the exact target first, then a wider one, and each covers the action', () => {
    const cases: Action[] = [
      { kind: 'fs.write', path: 'src/lib/a[1].ts' },
      { kind: 'fs.read', path: `${HOME}/notes/today.md` },
      { kind: 'fs.read', path: '/etc/hosts' },
      { kind: 'net.fetch', url: 'https://api.test:8443/v1/users?id=2' },
      { kind: 'net.fetch', url: 'http://[::1]:3000/x' },
      { kind: 'exec', argv: ['npm', 'run', 'build'] },
    ];
    for (const action of cases) {
      const targets = suggestGrantTargets(policy, action);
      assert.ok(targets.length >= 1, JSON.stringify(action));
      for (const target of targets) {
        assert.ok(grantCovers(policy, taskGrant(action.kind, target as string | string[]), action), `${JSON.stringify(target)} covers ${JSON.stringify(action)}`);
      }
    }
    assert.deepEqual(suggestGrantTargets(policy, { kind: 'fs.write', path: 'src/lib/a.ts' }), ['src/lib/a.ts', 'src/lib/**']);
    assert.deepEqual(suggestGrantTargets(policy, { kind: 'fs.read', path: `${HOME}/notes/today.md` }), ['~/notes/today.md', '~/notes/**']);
    assert.deepEqual(suggestGrantTargets(policy, { kind: 'net.fetch', url: 'https://api.test/v1/users' }), ['https://api.test/v1/users', 'https://api.test/**']);
    assert.deepEqual(suggestGrantTargets(policy, { kind: 'exec', argv: ['npm', 'run', 'build'] }),
      [['npm', 'run', 'build'], ['npm', 'run', '**'], ['npm', '**']]);
  });

  it('the exact fs target does not cover its siblings', () => {
    const [exact] = suggestGrantTargets(policy, { kind: 'fs.write', path: 'src/a*.ts' }) as string[];
    assert.ok(!grantCovers(policy, taskGrant('fs.write', exact!), { kind: 'fs.write', path: 'src/ab.ts' }));
  });
});
