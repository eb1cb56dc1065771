// normalisePath: resolution of ".." and ".", duplicate slashes, home, NUL, case and idempotence.
import assert from 'node:assert/strict';
import { AirlockError } from '../../sandbox/errors.js';
import { normalisePath } from '../../sandbox/policy/paths.js';

const ROOT = '/ws/project';
const HOME = '/home/user';
const norm = (p: string, caseInsensitive = false) => normalisePath(ROOT, HOME, p, { caseInsensitive });

describe('paths: normalisePath', () => {
  it('resolves workspace-relative paths and gives their posix relative form', () => {
    assert.deepEqual(norm('src//a/./b/../c.ts'), { abs: '/ws/project/src/a/c.ts', rel: 'src/a/c.ts' });
    assert.deepEqual(norm('.'), { abs: ROOT, rel: '.' });
    assert.deepEqual(norm('src/'), { abs: '/ws/project/src', rel: 'src' });
    assert.deepEqual(norm('/ws/project/x'), { abs: '/ws/project/x', rel: 'x' });
  });

  it('paths outside the workspace have no relative form', () => {
    assert.equal(norm('../x').rel, null);
    assert.equal(norm('/ws/project-other/x').rel, null);
    assert.equal(norm('/etc/passwd').rel, null);
    assert.equal(norm('src/../../project/../x').rel, null);
  });

  it('expands ~ to the home directory', () => {
    assert.deepEqual(norm('~/notes/a.md'), { abs: '/home/user/notes/a.md', rel: null });
    assert.equal(norm('~').abs, HOME);
    assert.equal(norm('a/~/b').abs, '/ws/project/a/~/b');
  });

  it('refuses NUL and empty paths with code path.invalid', () => {
    for (const p of ['a\0b', '']) {
      assert.throws(() => norm(p), (e: unknown) => e instanceof AirlockError && e.code === 'path.invalid');
    }
  });

  it('compares the workspace prefix case-insensitively only when asked', () => {
    assert.equal(norm('/WS/Project/src/a.ts', true).rel, 'src/a.ts');
    assert.equal(norm('/WS/Project/src/a.ts', false).rel, null);
  });

  it('is idempotent', () => {
    for (const p of ['a/../b', '../../x', '~/y/./z', '/ws/project/.git/../.git/hooks']) {
      const once = norm(p);
      assert.deepEqual(norm(once.abs), once);
    }
  });
});
