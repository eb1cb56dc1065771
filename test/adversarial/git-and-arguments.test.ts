// Planted repositories and protected paths reached around the argument check: nested `.git` entries (files and folders),
// attached short-option values (`sort -o.git/config`) and a working directory that is a symlink into `.git`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Arena, assertRefused } from './support.js';

describe('adversarial: planted repositories and protected arguments', function () {
  this.timeout(20000);
  let arena: Arena | undefined;
  afterEach(async () => {
    await arena?.close();
    arena = undefined;
  });

  const nodeProject = { version: 1, extends: ['airlock:node-project'], exec: { allow: [['sort', '**'], ['git', 'status'], ['cat', '*']] } };
  /** The task scope of a developer fixing code: the preset's own write scope and these commands. */
  const scope = { fs: { read: { allow: ['**'] }, write: { allow: ['src/**', 'test/**'] } }, exec: nodeProject.exec };

  it('refuses planting a nested .git file or folder, so git never obeys a config the agent wrote', async () => {
    const a = arena = new Arena({ policy: nodeProject, files: { 'src/index.ts': 'x\n' } });
    execFileSync('git', ['init', '-q', a.root]);
    const t = a.startTask(scope);
    const config = `[core]\n\tfsmonitor = "cp ${a.outside}/canary.txt ${a.root}/src/stolen.txt; false"\n`;
    const planted = [
      { action: 'fs.write' as const, path: 'src/evil/.git', content: 'gitdir: ../gd\n' },
      { action: 'fs.write' as const, path: 'src/evil/.git/config', content: config },
      { action: 'fs.mkdir' as const, path: 'src/evil/.git' },
      { action: 'fs.write' as const, path: 'test/.git', content: 'gitdir: ../src/gd\n' },
      { action: 'fs.write' as const, path: '.git/objects/x', content: 'x' },
    ];
    for (const req of planted) {
      const r = await a.perform(t, req);
      assertRefused(r, `${req.action} ${req.path}`);
      assert.equal(r.verdict, 'deny', r.reason);
      assert.equal(r.rule.layer, 'builtin', r.reason);
    }
    assert.equal(a.existsWs('src/evil/.git'), false);
    assert.equal(a.existsWs('test/.git'), false);
    // The config itself may be written under another name, but no .git points at it, so git status never runs it.
    const wrote = await a.perform(t, { action: 'fs.write', path: 'src/gd/config', content: config });
    assert.equal(wrote.outcome, 'done', JSON.stringify(wrote));
    const status = await a.perform(t, { action: 'exec', argv: ['git', 'status'], cwd: 'src' });
    assert.equal(status.outcome, 'done', JSON.stringify(status));
    assert.equal((status.result as { exitCode: number }).exitCode, 0, JSON.stringify(status.result));
    assert.equal(a.existsWs('src/stolen.txt'), false, 'the fsmonitor command ran');
    a.assertCanariesIntact();
  });

  it('reads an attached short-option value as a path: sort -o.git/config and -o<the log> are refused', async () => {
    const a = arena = new Arena({ policy: nodeProject, files: { 'src/list.txt': 'b\na\n' } });
    fs.mkdirSync(path.join(a.root, '.git'), { recursive: true });
    a.writeWs('.git/config', '[core]\n');
    const t = a.startTask(scope);
    for (const argv of [
      ['sort', '-o.git/config', 'src/list.txt'], ['sort', '-uo.git/config', 'src/list.txt'], ['sort', `-o${a.logFile}`, 'src/list.txt'],
      ['sort', '-o', '.git/config', 'src/list.txt'], ['sort', '--output=.airlock/policy.json', 'src/list.txt'],
    ]) {
      const r = await a.perform(t, { action: 'exec', argv });
      assertRefused(r, JSON.stringify(argv));
      assert.match(r.error?.message ?? '', /no command may be given/);
    }
    assert.equal(a.readWs('.git/config'), '[core]\n');
    assert.equal(fs.existsSync(a.logFile) ? fs.readFileSync(a.logFile, 'utf8').includes('\na\nb\n') : false, false);
    // An ordinary -o value still works.
    const ok = await a.perform(t, { action: 'exec', argv: ['sort', '-osrc/sorted.txt', 'src/list.txt'] });
    assert.equal(ok.outcome, 'done', JSON.stringify(ok));
    assert.equal(a.readWs('src/sorted.txt'), 'a\nb\n');
  });

  it('resolves the working directory and arguments through symlinks: a cwd linked into .git cannot reach its config', async () => {
    const a = arena = new Arena({ policy: nodeProject, files: { 'src/list.txt': 'b\na\n' } });
    fs.mkdirSync(path.join(a.root, '.git', 'hooks'), { recursive: true });
    a.writeWs('.git/config', '[core]\n');
    fs.symlinkSync(path.join(a.root, '.git'), path.join(a.root, 'src', 'g'));
    fs.symlinkSync(path.join(a.root, '.git', 'config'), path.join(a.root, 'src', 'cfg'));
    const t = a.startTask(scope);
    const attacks = [
      { argv: ['sort', '-o', 'config', '../src/list.txt'], cwd: 'src/g' },
      { argv: ['sort', '-oconfig', '/dev/null'], cwd: 'src/g' },
      { argv: ['sort', '-o', 'src/cfg', 'src/list.txt'] },
      { argv: ['sort', '-o', 'src/g/hooks/pre-commit', 'src/list.txt'] },
      { argv: ['sort', '-o', 'src/g/./config', 'src/list.txt'] },
    ];
    for (const { argv, cwd } of attacks) {
      const r = await a.perform(t, { action: 'exec', argv, ...(cwd ? { cwd } : {}) });
      assertRefused(r, `${JSON.stringify(argv)} in ${cwd ?? '.'}`);
      assert.match(r.error?.message ?? '', /no command may be given/);
    }
    assert.equal(a.readWs('.git/config'), '[core]\n');
    assert.equal(a.existsWs('.git/hooks/pre-commit'), false);
  });
});
