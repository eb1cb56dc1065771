// The file guard against real files: symlinks are judged by their targets, writes never follow undecided links, caps hold.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { FsGuard } from '../../sandbox/guards/fs.js';
import type { Action } from '../../sandbox/policy/types.js';
import { makeTempDir, recordingAuthorize, rejectsWithCode } from './support.js';

describe('guards/fs', () => {
  let tmp: string;
  let root: string;
  let outside: string;

  beforeEach(() => {
    tmp = makeTempDir();
    root = path.join(tmp, 'ws');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside secret');
    fs.writeFileSync(path.join(root, 'hello.txt'), 'hello');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const refuseOutside = (a: Action) => 'path' in a && !a.path.startsWith(root + path.sep);
  const guard = (authorize: ReturnType<typeof recordingAuthorize>['authorize'], maxFileBytes = 1024) => new FsGuard({ root, maxFileBytes, authorize });

  describe('reading', () => {
    it('reads a plain workspace file without asking again', async () => {
      const rec = recordingAuthorize();
      const r = await guard(rec.authorize).readFile('hello.txt');
      assert.deepEqual(r, { data: 'hello', bytes: 5, realPath: path.join(root, 'hello.txt') });
      assert.deepEqual(rec.asked, []);
    });

    it('judges a symlink to a file outside the workspace by its target, and refuses it', async () => {
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'innocent.txt'));
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).readFile('innocent.txt'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.read', path: path.join(outside, 'secret.txt') }]);
    });

    it('reads through a symlink whose target is allowed, reporting the real path', async () => {
      fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
      const rec = recordingAuthorize();
      const r = await guard(rec.authorize).readFile('link.txt');
      assert.equal(r.data, 'outside secret');
      assert.equal(r.realPath, path.join(outside, 'secret.txt'));
    });

    it('refuses a symlink to a denied file inside the workspace', async () => {
      fs.writeFileSync(path.join(root, '.env'), 'TOKEN=1');
      fs.symlinkSync('.env', path.join(root, 'config.txt'));
      const rec = recordingAuthorize((a) => 'path' in a && a.path === path.join(root, '.env'));
      await rejectsWithCode(guard(rec.authorize).readFile('config.txt'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.read', path: path.join(root, '.env') }]);
    });

    it('follows a symlinked directory in the middle of the path', async () => {
      fs.symlinkSync(outside, path.join(root, 'dirlink'));
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).readFile('dirlink/secret.txt'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.read', path: path.join(outside, 'secret.txt') }]);
    });

    it('resolves `..` after a symlink from the link target, as the kernel does, and authorizes that outside path', async () => {
      fs.mkdirSync(path.join(outside, 'deep'));
      fs.mkdirSync(path.join(root, 'sub'));
      fs.writeFileSync(path.join(root, 'secret.txt'), 'inside decoy');
      fs.symlinkSync(path.join(outside, 'deep'), path.join(root, 'sub', 'link'));
      // Lexically sub/link/../../secret.txt is <root>/secret.txt; really it is <outside>/../secret.txt... i.e. <tmp>/secret.txt.
      fs.writeFileSync(path.join(tmp, 'secret.txt'), 'really outside');
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).readFile('sub/link/../../secret.txt'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.read', path: path.join(tmp, 'secret.txt') }]);

      const allowAll = recordingAuthorize();
      const r = await guard(allowAll.authorize).readFile('sub/link/../../secret.txt');
      assert.equal(r.data, 'really outside');
    });

    it('acts on the outside path of a plain `..` escape (already decided as such by the pipeline)', async () => {
      const rec = recordingAuthorize();
      const r = await guard(rec.authorize).readFile('../outside/secret.txt');
      assert.equal(r.realPath, path.join(outside, 'secret.txt'));
      assert.deepEqual(rec.asked, []);
    });

    it('refuses a file over the size cap, naming the size and the cap', async () => {
      fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(2000, 1));
      const rec = recordingAuthorize();
      const err = await rejectsWithCode(guard(rec.authorize, 1024).readFile('big.bin'), 'fs.too-large');
      assert.match(err.message, /big\.bin/);
      assert.match(err.message, /2000 bytes/);
      assert.match(err.message, /1024 bytes/);
    });

    it('reads binary content as base64', async () => {
      fs.writeFileSync(path.join(root, 'b.bin'), Buffer.from([0, 255, 1, 2]));
      const r = await guard(recordingAuthorize().authorize).readFile('b.bin', 'base64');
      assert.equal(r.data, Buffer.from([0, 255, 1, 2]).toString('base64'));
      assert.equal(r.bytes, 4);
    });

    it('gives stable codes with workspace-relative paths for missing files, directories and NUL', async () => {
      const g = guard(recordingAuthorize().authorize);
      await rejectsWithCode(g.readFile('nope.txt'), 'fs.not-found', 'nope.txt');
      fs.mkdirSync(path.join(root, 'dir'));
      await rejectsWithCode(g.readFile('dir'), 'fs.is-a-directory');
      await rejectsWithCode(g.readFile('hello.txt/x'), 'fs.not-a-directory');
      await rejectsWithCode(g.readFile('a\0b'), 'fs.invalid');
      const err = await rejectsWithCode(g.readFile('nope.txt'), 'fs.not-found');
      assert.ok(!err.message.includes(root), 'inside paths are shown workspace-relative');
    });
  });

  describe('writing', () => {
    it('creates and overwrites a file, saying which', async () => {
      const g = guard(recordingAuthorize().authorize);
      assert.deepEqual(await g.writeFile('new.txt', 'one'), { bytes: 3, realPath: path.join(root, 'new.txt'), created: true });
      assert.deepEqual(await g.writeFile('new.txt', 'x'), { bytes: 1, realPath: path.join(root, 'new.txt'), created: false });
      assert.equal(fs.readFileSync(path.join(root, 'new.txt'), 'utf8'), 'x');
    });

    it('creates missing parent directories', async () => {
      await guard(recordingAuthorize().authorize).writeFile('a/b/c.txt', 'deep');
      assert.equal(fs.readFileSync(path.join(root, 'a/b/c.txt'), 'utf8'), 'deep');
    });

    it('writes through a final symlink only after its target was decided; refused → the target is untouched', async () => {
      const target = path.join(outside, 'secret.txt');
      fs.symlinkSync(target, path.join(root, 'out.txt'));
      const refused = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(refused.authorize).writeFile('out.txt', 'pwned'), 'denied');
      assert.deepEqual(refused.asked, [{ kind: 'fs.write', path: target }]);
      assert.equal(fs.readFileSync(target, 'utf8'), 'outside secret');

      const allowed = recordingAuthorize();
      const r = await guard(allowed.authorize).writeFile('out.txt', 'decided');
      assert.equal(r.realPath, target);
      assert.equal(fs.readFileSync(target, 'utf8'), 'decided');
      assert.ok(fs.lstatSync(path.join(root, 'out.txt')).isSymbolicLink(), 'the link itself stays a link');
    });

    it('does not create a file through a dangling symlink whose target was refused', async () => {
      const target = path.join(outside, 'created-by-agent.txt');
      fs.symlinkSync(target, path.join(root, 'dangling'));
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).writeFile('dangling', 'x'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.write', path: target }]);
      assert.equal(fs.existsSync(target), false);
    });

    it('refuses when the decided file is swapped for a symlink between decision and use', async () => {
      const decided = path.join(root, 'real.txt');
      const victim = path.join(outside, 'victim.txt');
      fs.writeFileSync(decided, 'original');
      fs.writeFileSync(victim, 'victim');
      fs.symlinkSync('real.txt', path.join(root, 'alias.txt'));
      const rec = recordingAuthorize(() => false, () => {
        fs.rmSync(decided);
        fs.symlinkSync(victim, decided);
      });
      await rejectsWithCode(guard(rec.authorize).writeFile('alias.txt', 'attack'), 'fs.changed');
      assert.deepEqual(rec.asked, [{ kind: 'fs.write', path: decided }]);
      assert.equal(fs.readFileSync(victim, 'utf8'), 'victim');
    });

    it('refuses when a parent directory is swapped for a symlink between decision and use, leaving nothing outside', async () => {
      const realDir = path.join(root, 'realdir');
      fs.mkdirSync(realDir);
      fs.symlinkSync('realdir', path.join(root, 'd'));
      const rec = recordingAuthorize(() => false, () => {
        fs.renameSync(realDir, path.join(root, 'moved'));
        fs.symlinkSync(outside, realDir);
      });
      await rejectsWithCode(guard(rec.authorize).writeFile('d/f.txt', 'attack'), 'fs.changed');
      assert.deepEqual(rec.asked, [{ kind: 'fs.write', path: path.join(realDir, 'f.txt') }]);
      assert.equal(fs.existsSync(path.join(outside, 'f.txt')), false);
    });

    it('refuses a swap of the file being read for another file', async () => {
      const decided = path.join(root, 'real.txt');
      fs.writeFileSync(decided, 'original');
      fs.symlinkSync('real.txt', path.join(root, 'alias.txt'));
      const rec = recordingAuthorize(() => false, () => {
        fs.rmSync(decided);
        fs.symlinkSync(path.join(outside, 'secret.txt'), decided);
      });
      await rejectsWithCode(guard(rec.authorize).readFile('alias.txt'), 'fs.changed');
    });

    it('refuses a read when a parent directory is swapped for a symlink between decision and use', async () => {
      const realDir = path.join(root, 'realdir');
      fs.mkdirSync(realDir);
      fs.writeFileSync(path.join(realDir, 'secret.txt'), 'inside');
      fs.symlinkSync('realdir', path.join(root, 'd'));
      const rec = recordingAuthorize(() => false, () => {
        fs.renameSync(realDir, path.join(root, 'moved'));
        fs.symlinkSync(outside, realDir);
      });
      const err = await rejectsWithCode(guard(rec.authorize).readFile('d/secret.txt'), 'fs.changed');
      assert.doesNotMatch(err.message, /outside secret/);
    });

    it('refuses a write over the size cap and creates nothing', async () => {
      await rejectsWithCode(guard(recordingAuthorize().authorize, 10).writeFile('big.txt', 'x'.repeat(11)), 'fs.too-large', '11 bytes');
      assert.equal(fs.existsSync(path.join(root, 'big.txt')), false);
    });

    it('writes base64 content as bytes', async () => {
      await guard(recordingAuthorize().authorize).writeFile('b.bin', Buffer.from([1, 2, 250]).toString('base64'), 'base64');
      assert.deepEqual([...fs.readFileSync(path.join(root, 'b.bin'))], [1, 2, 250]);
    });
  });

  describe('listing, stat, mkdir', () => {
    it('lists a directory with entry types, sorted', async () => {
      fs.mkdirSync(path.join(root, 'd'));
      fs.symlinkSync('hello.txt', path.join(root, 'l'));
      const r = await guard(recordingAuthorize().authorize).list('.');
      assert.deepEqual(r.entries, [
        { name: 'd', type: 'dir' }, { name: 'hello.txt', type: 'file' }, { name: 'l', type: 'symlink' },
      ]);
      await rejectsWithCode(guard(recordingAuthorize().authorize).list('hello.txt'), 'fs.not-a-directory');
    });

    it('judges a listing through a symlinked directory by its target', async () => {
      fs.symlinkSync(outside, path.join(root, 'o'));
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).list('o'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.list', path: outside }]);
    });

    it('stats a file', async () => {
      const r = await guard(recordingAuthorize().authorize).stat('hello.txt');
      assert.equal(r.type, 'file');
      assert.equal(r.size, 5);
      assert.ok(r.mtimeMs > 0);
    });

    it('creates directories with parents, and reports an existing one', async () => {
      const g = guard(recordingAuthorize().authorize);
      assert.deepEqual(await g.mkdir('x/y'), { realPath: path.join(root, 'x/y'), created: true });
      assert.deepEqual(await g.mkdir('x/y'), { realPath: path.join(root, 'x/y'), created: false });
      await rejectsWithCode(g.mkdir('hello.txt'), 'fs.exists');
    });

    it('does not create a directory through a dangling symlink to a refused place', async () => {
      fs.symlinkSync(path.join(outside, 'newdir'), path.join(root, 'nd'));
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).mkdir('nd'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.mkdir', path: path.join(outside, 'newdir') }]);
      assert.equal(fs.existsSync(path.join(outside, 'newdir')), false);
    });
  });

  describe('deleting', () => {
    beforeEach(() => {
      fs.mkdirSync(path.join(root, 'tree/keep'), { recursive: true });
      fs.writeFileSync(path.join(root, 'tree/a.txt'), 'a');
      fs.writeFileSync(path.join(root, 'tree/keep/b.txt'), 'b');
      fs.symlinkSync(outside, path.join(root, 'tree/outlink'));
    });

    it('decides every entry before deleting anything; one refusal deletes nothing and names it', async () => {
      const refused = path.join(root, 'tree/keep/b.txt');
      const rec = recordingAuthorize((a) => 'path' in a && a.path === refused);
      const err = await rejectsWithCode(guard(rec.authorize).delete('tree', { recursive: true }), 'denied');
      assert.match(err.message, /keep\/b\.txt/);
      assert.match(err.message, /Nothing was deleted/);
      assert.ok(fs.existsSync(path.join(root, 'tree/a.txt')));
      assert.ok(fs.existsSync(refused));
      assert.ok(fs.lstatSync(path.join(root, 'tree/outlink')).isSymbolicLink());
      const paths = rec.asked.map((a) => ('path' in a ? a.path : ''));
      assert.ok(rec.asked.every((a) => a.kind === 'fs.delete'));
      assert.ok(paths.includes(path.join(root, 'tree/a.txt')));
      assert.ok(paths.includes(path.join(root, 'tree/outlink')));
      assert.ok(!paths.some((p) => p.startsWith(outside)), 'never walks into a symlinked directory');
    });

    it('removes a symlinked directory as a link, leaving its target untouched', async () => {
      const rec = recordingAuthorize();
      const r = await guard(rec.authorize).delete('tree', { recursive: true });
      assert.equal(r.removed, 5);
      assert.equal(fs.existsSync(path.join(root, 'tree')), false);
      assert.equal(fs.readFileSync(path.join(outside, 'secret.txt'), 'utf8'), 'outside secret');
      assert.deepEqual(rec.asked.map((a) => ('path' in a ? path.relative(root, a.path) : '')).sort(), [
        'tree/a.txt', 'tree/keep', 'tree/keep/b.txt', 'tree/outlink',
      ]);
    });

    it('refuses a non-recursive delete of a non-empty directory', async () => {
      await rejectsWithCode(guard(recordingAuthorize().authorize).delete('tree'), 'fs.not-empty', 'tree');
      assert.ok(fs.existsSync(path.join(root, 'tree/a.txt')));
    });

    it('deletes a symlink itself, not its target, without asking about the target', async () => {
      const rec = recordingAuthorize();
      assert.equal((await guard(rec.authorize).delete('tree/outlink')).removed, 1);
      assert.equal(fs.existsSync(path.join(root, 'tree/outlink')), false);
      assert.ok(fs.existsSync(path.join(outside, 'secret.txt')));
      assert.deepEqual(rec.asked, []);
    });

    it('judges a delete through a symlinked parent by its real path', async () => {
      fs.symlinkSync(outside, path.join(root, 'o'));
      const rec = recordingAuthorize(refuseOutside);
      await rejectsWithCode(guard(rec.authorize).delete('o/secret.txt'), 'denied');
      assert.deepEqual(rec.asked, [{ kind: 'fs.delete', path: path.join(outside, 'secret.txt') }]);
      assert.ok(fs.existsSync(path.join(outside, 'secret.txt')));
    });

    it('deletes a file and reports a missing one', async () => {
      const g = guard(recordingAuthorize().authorize);
      assert.equal((await g.delete('hello.txt')).removed, 1);
      assert.equal(fs.existsSync(path.join(root, 'hello.txt')), false);
      await rejectsWithCode(g.delete('hello.txt'), 'fs.not-found', 'hello.txt');
    });
  });
});
