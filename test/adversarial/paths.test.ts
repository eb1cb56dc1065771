// Path attacks through the real pipeline: traversal, absolute and home paths, symlinks (also swapped mid-action), hard
// links, case and Unicode lookalikes, NUL and very long paths. Each case asserts the effect on disk, not only a refusal.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena, RecordingPrompter, assertRefused } from './support.js';

const POLICY = {
  version: 1,
  default: 'deny',
  fs: {
    read: { allow: ['**'], deny: ['.env', 'secret/**', 'caf\u00e9/**'] },
    write: { allow: ['src/**', 'notes/**', 'links/**'] },
  },
};

describe('adversarial: paths', function () {
  this.timeout(20000);
  let arena: Arena | undefined;
  afterEach(async () => {
    await arena?.close();
    arena = undefined;
  });

  const open = (opts: Partial<ConstructorParameters<typeof Arena>[0]> = {}): Arena => {
    arena = new Arena({ policy: POLICY, files: { 'src/a.ts': 'a\n', 'secret/key.txt': 'SECRET-KEY\n', 'links/.keep': '' }, ...opts });
    return arena;
  };

  it('refuses `..` traversal out of the workspace, for reads, writes, deletes and listings', async () => {
    const a = open();
    const t = a.startTask();
    const results: ActionResult[] = [];
    for (const p of ['../outside/canary.txt', 'src/../../outside/canary.txt', './src/./../../outside/canary.txt', `src/${'../'.repeat(40)}${a.outside.slice(1)}/canary.txt`]) {
      const read = await a.perform(t, { action: 'fs.read', path: p });
      assertRefused(read, `read ${p}`);
      results.push(read);
      results.push(await a.perform(t, { action: 'fs.write', path: p, content: 'pwned' }));
      results.push(await a.perform(t, { action: 'fs.delete', path: p }));
    }
    results.push(await a.perform(t, { action: 'fs.list', path: '../outside' }));
    results.push(await a.perform(t, { action: 'fs.write', path: '../outside/new.txt', content: 'pwned' }));
    for (const r of results) assertRefused(r, r.target);
    assert.equal(JSON.stringify(results).includes(a.canaryContent('canary.txt').trim()), false, 'no canary content came back');
    a.assertCanariesIntact();
  });

  it('refuses absolute paths outside the workspace, however they are spelled', async () => {
    const a = open();
    const t = a.startTask();
    const canary = path.join(a.outside, 'canary.txt');
    const spellings = [canary, canary.replace(/\//g, '//'), `${a.root}/../outside/canary.txt`, `${a.outside}/./canary.txt`];
    for (const p of spellings) {
      assertRefused(await a.perform(t, { action: 'fs.read', path: p }), `read ${p}`);
      assertRefused(await a.perform(t, { action: 'fs.write', path: p, content: 'pwned' }), `write ${p}`);
      assertRefused(await a.perform(t, { action: 'fs.delete', path: p }), `delete ${p}`);
    }
    a.assertCanariesIntact();
  });

  it('refuses denied workspace files through every lexical disguise, and the secret never leaks', async () => {
    const a = open();
    const t = a.startTask();
    const results: ActionResult[] = [];
    for (const p of ['.env', './.env', 'src/../.env', '.env/', 'src//..//.env', `${a.root}/.env`, `${a.root}//src/../.env`, `${'a/'.repeat(300)}${'../'.repeat(300)}.env`]) {
      const r = await a.perform(t, { action: 'fs.read', path: p });
      assertRefused(r, `read ${p}`);
      results.push(r);
    }
    a.assertSecretAbsent(results);
  });

  it('acts on `~/` paths exactly where the policy decided them (`~/../.env` is not the workspace .env)', async () => {
    // A broad but legal policy: the agent may read and write anywhere under the temp dir, except the workspace's
    // secrets and Airlock's built-in protections. `~/..` leads out of the home dir: decided there, done there.
    const tmp = fs.realpathSync(os.tmpdir());
    const a = open({
      policy: {
        version: 1, default: 'deny',
        fs: { read: { allow: ['**', `//${tmp.slice(1)}/**`], deny: ['.env'] }, write: { allow: ['src/**', `//${tmp.slice(1)}/**`] } },
      },
    });
    const t = a.startTask();
    const policyBefore = a.readWs('.airlock/policy.json');
    const results: ActionResult[] = [];
    results.push(await a.perform(t, { action: 'fs.read', path: '~/../.env' }));
    results.push(await a.perform(t, { action: 'fs.write', path: '~/../.airlock/policy.json', content: '{"version":1,"fs":{"write":{"allow":["**"]}}}' }));
    results.push(await a.perform(t, { action: 'fs.write', path: '~/../.git/hooks/pre-commit', content: '#!/bin/sh\necho pwned\n' }));
    results.push(await a.perform(t, { action: 'fs.read', path: '~/../../state/logs/session.jsonl' }));
    a.assertSecretAbsent(results);
    assert.equal(a.readWs('.airlock/policy.json'), policyBefore, 'the workspace policy is untouched');
    assert.equal(a.existsWs('.git/hooks/pre-commit'), false, 'no hook appeared in the workspace');
    // Whatever was written landed where it was decided: next to the home dir, never inside the workspace.
    const nextToHome = path.dirname(a.homeDir);
    if (results[1]!.outcome === 'done') assert.equal(fs.existsSync(path.join(nextToHome, '.airlock', 'policy.json')), true);
    if (results[2]!.outcome === 'done') assert.equal(fs.existsSync(path.join(nextToHome, '.git', 'hooks', 'pre-commit')), true);
    // `~/../../state/...` is the log itself, decided as such: a built-in refusal.
    assertRefused(results[3]!, 'the log through ~/..');
  });

  it('re-decides a symlink to outside the workspace on its real target: nothing outside is read, written or listed', async () => {
    const a = open();
    fs.symlinkSync(a.outside, path.join(a.root, 'links', 'out'), 'dir');
    fs.symlinkSync(path.join(a.outside, 'canary.txt'), path.join(a.root, 'links', 'file'));
    const t = a.startTask();
    const results = [
      await a.perform(t, { action: 'fs.read', path: 'links/out/canary.txt' }),
      await a.perform(t, { action: 'fs.read', path: 'links/file' }),
      await a.perform(t, { action: 'fs.list', path: 'links/out' }),
      await a.perform(t, { action: 'fs.write', path: 'links/out/canary.txt', content: 'pwned' }),
      await a.perform(t, { action: 'fs.write', path: 'links/out/new.txt', content: 'pwned' }),
      await a.perform(t, { action: 'fs.write', path: 'links/file', content: 'pwned' }),
      await a.perform(t, { action: 'fs.mkdir', path: 'links/out/newdir' }),
      await a.perform(t, { action: 'fs.delete', path: 'links/out/canary.txt' }),
    ];
    for (const r of results) assertRefused(r, `${r.action} ${r.target}`);
    assert.equal(JSON.stringify(results).includes(a.canaryContent('canary.txt').trim()), false);
    a.assertCanariesIntact();
  });

  it('deletes a symlink itself, never its target, also inside a recursive delete', async () => {
    const a = open();
    fs.symlinkSync(path.join(a.outside, 'canary.txt'), path.join(a.root, 'links', 'file'));
    fs.mkdirSync(path.join(a.root, 'links', 'tree'));
    fs.symlinkSync(a.outside, path.join(a.root, 'links', 'tree', 'out'), 'dir');
    const t = a.startTask();
    const one = await a.perform(t, { action: 'fs.delete', path: 'links/file' });
    assert.equal(one.outcome, 'done', JSON.stringify(one));
    const tree = await a.perform(t, { action: 'fs.delete', path: 'links/tree', recursive: true });
    assert.equal(tree.outcome, 'done', JSON.stringify(tree));
    assert.equal(fs.existsSync(path.join(a.root, 'links', 'file')), false);
    assert.equal(fs.existsSync(path.join(a.root, 'links', 'tree')), false);
    a.assertCanariesIntact();
  });

  it('re-decides a symlink to a denied file or a protected directory inside the workspace', async () => {
    const a = open();
    fs.symlinkSync(path.join(a.root, '.env'), path.join(a.root, 'src', 'config.txt'));
    fs.mkdirSync(path.join(a.root, '.git', 'hooks'), { recursive: true });
    fs.symlinkSync(path.join(a.root, '.git', 'hooks'), path.join(a.root, 'src', 'hooks'), 'dir');
    fs.symlinkSync('../.airlock', path.join(a.root, 'src', 'al'), 'dir');
    const policyBefore = a.readWs('.airlock/policy.json');
    const t = a.startTask();
    const results = [
      await a.perform(t, { action: 'fs.read', path: 'src/config.txt' }),
      await a.perform(t, { action: 'fs.write', path: 'src/hooks/pre-commit', content: '#!/bin/sh\necho pwned\n' }),
      await a.perform(t, { action: 'fs.write', path: 'src/al/policy.json', content: '{"version":1}' }),
      await a.perform(t, { action: 'fs.delete', path: 'src/al/policy.json' }),
    ];
    for (const r of results) assertRefused(r, `${r.action} ${r.target}`);
    a.assertSecretAbsent(results);
    assert.equal(a.existsWs('.git/hooks/pre-commit'), false);
    assert.equal(a.readWs('.airlock/policy.json'), policyBefore);
  });

  it('notices a directory swapped for a symlink while the user is being asked, and decides the new target', async () => {
    let swapped = false;
    const prompter = new RecordingPrompter((r) => {
      if (r.target === 'pending/data.txt' || r.target === 'pending/new.txt') {
        // The attack: between the decision and the use, `pending` becomes a link out of the workspace.
        if (!swapped) {
          fs.renameSync(path.join(arena!.root, 'pending'), path.join(arena!.root, 'pending.orig'));
          fs.symlinkSync(arena!.outside, path.join(arena!.root, 'pending'), 'dir');
          swapped = true;
        }
        return { answer: 'allow-once' };
      }
      return { answer: 'deny' };
    });
    const a = open({ prompter, policy: { ...POLICY, default: 'ask' }, files: { 'pending/data.txt': 'inside\n', 'src/a.ts': 'a\n' } });
    a.plantCanary('data.txt');
    const t = a.startTask();
    const overwrite = await a.perform(t, { action: 'fs.write', path: 'pending/data.txt', content: 'pwned' });
    assertRefused(overwrite, 'write through the swapped directory');
    assert.ok(prompter.asked.some((q) => q.target.startsWith(a.outside)), 'the real target was decided again (and asked)');
    const write = await a.perform(t, { action: 'fs.write', path: 'pending/new.txt', content: 'pwned' });
    assertRefused(write, 'create through the swapped directory');
    a.assertCanariesIntact();
  });

  it('notices a directory swapped for a symlink after the derived decision, before the file is opened', async () => {
    // links/a -> ../stage (inside the workspace, so the real target `stage/f.txt` is asked); while that question is
    // open, `stage` itself becomes a link out of the workspace. The guard must not follow it.
    const prompter = new RecordingPrompter((r) => {
      if (r.target.endsWith(`${path.sep}stage${path.sep}f.txt`) || r.target === 'stage/f.txt') {
        fs.renameSync(path.join(arena!.root, 'stage'), path.join(arena!.root, 'stage.orig'));
        fs.symlinkSync(arena!.outside, path.join(arena!.root, 'stage'), 'dir');
        return { answer: 'allow-once' };
      }
      return { answer: 'deny' };
    });
    for (const kind of ['fs.read', 'fs.write'] as const) {
      const a = open({ prompter, policy: { ...POLICY, default: 'ask', fs: { read: { allow: ['links/**', 'src/**'] }, write: POLICY.fs.write } }, files: { 'stage/f.txt': 'inside\n' } });
      a.plantCanary('f.txt');
      fs.mkdirSync(path.join(a.root, 'links'), { recursive: true });
      fs.symlinkSync('../stage', path.join(a.root, 'links', 'a'), 'dir');
      const t = a.startTask();
      const r = kind === 'fs.read'
        ? await a.perform(t, { action: 'fs.read', path: 'links/a/f.txt' })
        : await a.perform(t, { action: 'fs.write', path: 'links/a/f.txt', content: 'pwned' });
      assert.equal(fs.lstatSync(path.join(a.root, 'stage')).isSymbolicLink(), true, 'the swap happened while the real target was asked');
      assertRefused(r, `${kind} through a directory swapped after its decision`);
      assert.equal(JSON.stringify(r).includes(a.canaryContent('f.txt').trim()), false);
      a.assertCanariesIntact();
      await a.close();
      arena = undefined;
    }
  });

  it('cannot create a hard link: the fs API has no such action and `ln` is an exec the policy must allow', async () => {
    // What Airlock cannot do: a hard link that already exists is the file itself (same inode), indistinguishable from
    // any other file, so a read or write through it reaches the outside file. What it can: no fs action creates one
    // (writes create with O_EXCL, never link), and `ln` runs only when an exec rule allows it.
    const a = open();
    const t = a.startTask();
    const canary = path.join(a.outside, 'canary.txt');
    const ln = await a.perform(t, { action: 'exec', argv: ['ln', canary, 'src/hard.txt'] });
    assertRefused(ln, 'ln');
    const viaWrite = await a.perform(t, { action: 'fs.write', path: 'src/hard.txt', content: 'x' });
    assert.equal(viaWrite.outcome, 'done');
    assert.equal(fs.statSync(canary).nlink, 1, 'the outside file gained no link');
    assert.equal(fs.statSync(path.join(a.root, 'src', 'hard.txt')).ino === fs.statSync(canary).ino, false);
    // A script has the same fs API and no more.
    const script = await a.enforcer.runScript(t, 'return Object.keys(airlock.fs).sort();');
    assert.equal(script.outcome, 'done', JSON.stringify(script));
    assert.equal((script.result as string[]).some((k) => /link/i.test(k)), false, `fs API: ${JSON.stringify(script.result)}`);
    a.assertCanariesIntact();
  });

  it('treats case variants of protected names as the distinct directories they are on Linux, never touching the real ones', async () => {
    const a = open({ policy: { ...POLICY, fs: { ...POLICY.fs, write: { allow: ['.Git/**', '.git/**', '.Airlock/**', '.airlock/**'] } } } });
    fs.mkdirSync(path.join(a.root, '.git', 'hooks'), { recursive: true });
    a.writeWs('.git/config', '[core]\n');
    const t = a.startTask();
    const results = await Promise.all([
      a.perform(t, { action: 'fs.write', path: '.Git/hooks/pre-commit', content: 'x' }),
      a.perform(t, { action: 'fs.write', path: '.git/HOOKS/pre-commit', content: 'x' }),
      a.perform(t, { action: 'fs.write', path: '.git/Config', content: 'x' }),
      a.perform(t, { action: 'fs.write', path: '.Airlock/policy.json', content: 'x' }),
    ]);
    const protectedDirect = await Promise.all([
      a.perform(t, { action: 'fs.write', path: '.git/hooks/pre-commit', content: 'x' }),
      a.perform(t, { action: 'fs.write', path: '.git/config', content: 'x' }),
      a.perform(t, { action: 'fs.write', path: '.airlock/policy.json', content: 'x' }),
    ]);
    for (const r of protectedDirect) assertRefused(r, r.target);
    // Whatever the variants did, the files git and Airlock actually read are untouched.
    assert.deepEqual(fs.readdirSync(path.join(a.root, '.git', 'hooks')), []);
    assert.equal(a.readWs('.git/config'), '[core]\n');
    assert.equal(JSON.parse(a.readWs('.airlock/policy.json')).version, 1);
    assert.notEqual(a.readWs('.airlock/policy.json'), 'x');
    if (process.platform === 'linux') {
      // `.Git` and `.Airlock` are ordinary folders here; anything inside the real `.git` is protected whatever its case.
      for (const r of results) {
        if (r.target.startsWith('.git/')) assertRefused(r, r.target);
        else assert.equal(r.outcome, 'done', `${r.target} is an ordinary file on a case-sensitive file system`);
      }
    }
    // A read deny on `secret/**` is about that directory; `SECRET/key.txt` is another (missing) file here.
    const upper = await a.perform(t, { action: 'fs.read', path: 'SECRET/key.txt' });
    assert.equal(JSON.stringify(upper).includes('SECRET-KEY'), false);
  });

  it('keeps NFC and NFD spellings apart: a denied NFC file is never read or changed through its NFD twin', async () => {
    const nfc = 'café'.normalize('NFC');
    const nfd = 'café'.normalize('NFD');
    assert.notEqual(nfc, nfd);
    const a = open({
      policy: { ...POLICY, fs: { ...POLICY.fs, write: { allow: [`${nfc}/**`, `${nfd}/**`, '.airlock\u200b/**', '\uff0eairlock/**'], deny: [`${nfc}/**`] } } },
      files: { [`${nfc}/secret.txt`]: 'NFC-SECRET\n' },
    });
    const t = a.startTask();
    const direct = await a.perform(t, { action: 'fs.read', path: `${nfc}/secret.txt` });
    assertRefused(direct, 'NFC read');
    const twinRead = await a.perform(t, { action: 'fs.read', path: `${nfd}/secret.txt` });
    assert.equal(JSON.stringify(twinRead).includes('NFC-SECRET'), false, 'the NFD twin does not open the NFC file');
    const twinWrite = await a.perform(t, { action: 'fs.write', path: `${nfd}/secret.txt`, content: 'pwned' });
    assert.equal(a.readWs(`${nfc}/secret.txt`), 'NFC-SECRET\n', 'the NFC file is untouched whatever the NFD write did');
    if (twinWrite.outcome === 'done') assert.equal(fs.readFileSync(path.join(a.root, nfd, 'secret.txt'), 'utf8'), 'pwned');
    // Lookalikes of .airlock (zero-width space, fullwidth dot) are other directories; the policy file stays as it is.
    const before = a.readWs('.airlock/policy.json');
    await a.perform(t, { action: 'fs.write', path: '.airlock\u200b/policy.json', content: 'x' });
    await a.perform(t, { action: 'fs.write', path: '\uff0eairlock/policy.json', content: 'x' });
    assert.equal(a.readWs('.airlock/policy.json'), before);
  });

  it('refuses a NUL byte anywhere in a path, before any file system call', async () => {
    const a = open();
    const t = a.startTask();
    const results = [
      await a.perform(t, { action: 'fs.read', path: 'src/a.ts\0../../.env' }),
      await a.perform(t, { action: 'fs.write', path: 'src/x\0/../../../outside/canary.txt', content: 'pwned' }),
      await a.perform(t, { action: 'fs.delete', path: `src/\0` }),
      await a.perform(t, { action: 'fs.mkdir', path: '\0' }),
    ];
    for (const r of results) {
      assertRefused(r, JSON.stringify(r.target));
      assert.equal(r.verdict, 'deny');
    }
    assert.equal(a.existsWs('src/x'), false);
    a.assertSecretAbsent(results);
    a.assertCanariesIntact();
  });

  it('answers very long paths and names with a refusal or an error, never a crash, and writes nothing outside', async () => {
    const a = open();
    const t = a.startTask();
    const results = [
      await a.perform(t, { action: 'fs.write', path: `src/${'x'.repeat(300)}.txt`, content: 'x' }),
      await a.perform(t, { action: 'fs.write', path: `src/${'d/'.repeat(3000)}f.txt`, content: 'x' }),
      await a.perform(t, { action: 'fs.read', path: `src/${'y'.repeat(100_000)}` }),
      await a.perform(t, { action: 'fs.mkdir', path: `src/${'deep/'.repeat(2500)}` }),
      await a.perform(t, { action: 'fs.read', path: `${'../'.repeat(5000)}${a.outside.slice(1)}/canary.txt` }),
    ];
    for (const r of results.slice(0, 4)) assert.notEqual(r.outcome, 'done', `${r.action} of a ${r.target.length}-char path`);
    assertRefused(results[4]!, 'a long ../ chain');
    // The pipeline still works afterwards.
    const ok = await a.perform(t, { action: 'fs.read', path: 'src/a.ts' });
    assert.equal(ok.result, 'a\n');
    a.assertCanariesIntact();
  });
});
