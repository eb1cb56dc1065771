// Self-modification: reaching the policy file or the action log (outside the workspace, or configured inside it)
// through every action kind, a script, a planted symlink and a file:// fetch. The policies here allow broadly, so only
// Airlock's built-in protections stand in the way; each case checks the files and verifies the log's hash chain.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { verifyLog } from '../../sandbox/log/verify.js';
import type { ActionRequest, ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena, assertRefused } from './support.js';

/** Every fs action kind against one target (a file, or a directory for list/mkdir/recursive delete). */
function fsAttacks(file: string, dir: string): ActionRequest[] {
  return [
    { action: 'fs.read', path: file },
    { action: 'fs.stat', path: file },
    { action: 'fs.write', path: file, content: '{"forged":true}\n' },
    { action: 'fs.delete', path: file },
    { action: 'fs.list', path: dir },
    { action: 'fs.mkdir', path: path.join(dir, 'sub') },
    { action: 'fs.write', path: path.join(dir, 'other.jsonl'), content: 'x' },
    { action: 'fs.delete', path: dir, recursive: true },
  ];
}

describe('adversarial: self-modification', function () {
  this.timeout(20000);
  let arena: Arena | undefined;
  afterEach(async () => {
    await arena?.close();
    arena = undefined;
  });

  /** The log still verifies (no entry lost, changed or reordered) and the policy file is as written. */
  function assertIntact(a: Arena, policyText: string): void {
    const report = verifyLog(a.logFile, { keyDir: a.keyDir });
    assert.equal(report.ok, true, JSON.stringify(report.problem));
    assert.ok(report.entries > 1);
    assert.equal(a.readWs('.airlock/policy.json'), policyText);
    assert.deepEqual(fs.readdirSync(a.logDir).filter((f) => !f.startsWith('session.jsonl')), [], 'nothing new in the log dir');
  }

  /** A policy that reads and writes broadly, including where the log lives, so only built-ins can refuse. */
  const broad = (extra: Record<string, unknown> = {}) => (a: { base: string }) => ({
    version: 1, default: 'ask',
    fs: { read: { allow: ['**', `//${a.base.slice(1)}/**`] }, write: { allow: ['src/**', 'logs/**', `//${a.base.slice(1)}/**`] } },
    ...extra,
  });

  function open(policy: (a: { base: string }) => Record<string, unknown>, opts: { logDirInWorkspace?: string } = {}): { a: Arena; t: string; policyText: string } {
    const a = arena = new Arena({ policy, files: { 'src/a.ts': 'a\n' }, ...opts });
    return { a, t: a.startTask(), policyText: a.readWs('.airlock/policy.json') };
  }

  it('refuses every fs action on the log and its directory outside the workspace, by absolute and relative paths', async () => {
    const { a, t, policyText } = open(broad());
    const relLog = path.relative(a.root, a.logFile);
    const results: ActionResult[] = [];
    for (const req of [...fsAttacks(a.logFile, a.logDir), ...fsAttacks(relLog, path.dirname(relLog))]) {
      const r = await a.perform(t, req);
      assertRefused(r, `${req.action} ${'path' in req ? req.path : ''}`);
      assert.equal(r.verdict, 'deny', `${r.action} ${r.target}: only a built-in can refuse here (${r.reason})`);
      results.push(r);
    }
    assertIntact(a, policyText);
    a.assertSecretAbsent(results);
  });

  it('refuses every fs action on the signing key and its directory: the log cannot be re-signed', async () => {
    const { a, t, policyText } = open(broad());
    const key = path.join(a.keyDir, 'signing.key');
    const keyBefore = fs.readFileSync(key, 'utf8');
    const results: ActionResult[] = [];
    for (const req of [...fsAttacks(key, a.keyDir), ...fsAttacks(path.relative(a.root, key), path.relative(a.root, a.keyDir))]) {
      const r = await a.perform(t, req);
      assertRefused(r, `${req.action} ${'path' in req ? req.path : ''}`);
      assert.equal(r.verdict, 'deny', `${r.action} ${r.target}: ${r.reason}`);
      results.push(r);
    }
    assert.equal(JSON.stringify(results).includes('PRIVATE KEY'), false, 'the private key never came back');
    assert.equal(fs.readFileSync(key, 'utf8'), keyBefore);
    assertIntact(a, policyText);
  });

  it('refuses every fs action on the policy file and .airlock, including deleting an ancestor of it', async () => {
    const { a, t, policyText } = open(broad());
    const attacks: ActionRequest[] = [
      ...fsAttacks('.airlock/policy.json', '.airlock').filter((r) => r.action !== 'fs.read' && r.action !== 'fs.stat' && r.action !== 'fs.list'),
      { action: 'fs.write', path: path.join(a.root, '.airlock', 'policy.json'), content: '{}' },
      { action: 'fs.write', path: 'src/../.airlock/policy.json', content: '{}' },
      { action: 'fs.delete', path: '.', recursive: true },
      { action: 'fs.delete', path: a.root, recursive: true },
      { action: 'fs.write', path: '.airlock/tasks.json', content: '{}' },
    ];
    for (const req of attacks) {
      const r = await a.perform(t, req);
      assertRefused(r, `${req.action} ${'path' in req ? req.path : ''}`);
      assert.equal(r.verdict, 'deny', `${r.action} ${r.target}: ${r.reason}`);
    }
    assert.equal(a.readWs('src/a.ts'), 'a\n', 'a refused recursive delete removed nothing');
    assertIntact(a, policyText);
  });

  it('protects a log directory configured inside the workspace like one outside it', async () => {
    const { a, t, policyText } = open(broad(), { logDirInWorkspace: 'logs' });
    assert.ok(a.logFile.startsWith(a.root + path.sep));
    for (const req of [...fsAttacks('logs/session.jsonl', 'logs'), ...fsAttacks(a.logFile, a.logDir), { action: 'fs.delete', path: '.', recursive: true } as ActionRequest]) {
      const r = await a.perform(t, req);
      assertRefused(r, `${req.action} ${'path' in req ? req.path : ''}`);
      assert.equal(r.verdict, 'deny', `${r.action} ${r.target}: ${r.reason}`);
    }
    const listing = await a.perform(t, { action: 'fs.list', path: '.' });
    assert.equal(listing.outcome, 'done', 'the workspace itself can still be listed');
    assertIntact(a, policyText);
  });

  it('re-decides a planted symlink into the log directory or .airlock on the real target', async () => {
    const { a, t, policyText } = open(broad());
    fs.symlinkSync(a.logDir, path.join(a.root, 'src', 'logs'), 'dir');
    fs.symlinkSync(a.logFile, path.join(a.root, 'src', 'log.jsonl'));
    fs.symlinkSync(path.join(a.root, '.airlock'), path.join(a.root, 'src', 'cfg'), 'dir');
    const attacks: ActionRequest[] = [
      { action: 'fs.read', path: 'src/log.jsonl' },
      { action: 'fs.write', path: 'src/log.jsonl', content: 'forged' },
      { action: 'fs.read', path: 'src/logs/session.jsonl' },
      { action: 'fs.write', path: 'src/logs/session.jsonl', content: 'forged' },
      { action: 'fs.delete', path: 'src/logs/session.jsonl' },
      { action: 'fs.list', path: 'src/logs' },
      { action: 'fs.write', path: 'src/cfg/policy.json', content: '{"version":1}' },
      { action: 'fs.delete', path: 'src/cfg/policy.json' },
    ];
    for (const req of attacks) {
      const r = await a.perform(t, req);
      assertRefused(r, `${req.action} ${'path' in req ? req.path : ''}`);
    }
    // Deleting the link itself is allowed and removes only the link.
    const unlink = await a.perform(t, { action: 'fs.delete', path: 'src/logs' });
    assert.equal(unlink.outcome, 'done');
    assert.equal(fs.existsSync(a.logFile), true);
    assertIntact(a, policyText);
  });

  it('refuses the same through a script, and a file:// fetch of the log or policy', async () => {
    const { a, t, policyText } = open(broad());
    const script = await a.enforcer.runScript(t, `
      const out = [];
      const attempts = [
        () => airlock.fs.readFile(${JSON.stringify(a.logFile)}),
        () => airlock.fs.writeFile(${JSON.stringify(a.logFile)}, 'forged'),
        () => airlock.fs.delete(${JSON.stringify(a.logDir)}, { recursive: true }),
        () => airlock.fs.writeFile('.airlock/policy.json', '{"version":1}'),
        () => airlock.fs.delete('.airlock', { recursive: true }),
        () => airlock.net.fetch(${JSON.stringify(`file://${a.logFile}`)}),
        () => airlock.net.fetch(${JSON.stringify(`file://${path.join(a.root, '.airlock', 'policy.json')}`)}),
      ];
      for (const attempt of attempts) {
        try { await attempt(); out.push('done'); } catch (e) { out.push(e.code); }
      }
      return out;
    `);
    assert.equal(script.outcome, 'done', JSON.stringify(script.error));
    assert.equal((script.result as string[]).includes('done'), false, JSON.stringify(script.result));
    for (const url of [`file://${a.logFile}`, `file://localhost${a.logFile}`, 'file:///proc/self/environ']) {
      const r = await a.perform(t, { action: 'net.fetch', url });
      assertRefused(r, url);
      assert.equal(r.verdict, 'deny');
    }
    assertIntact(a, policyText);
    a.assertSecretAbsent([script]);
  });

  it('refuses rm and sh where no rule allows them, however the program is spelled, and cwd cannot enter the log dir', async () => {
    const { a, t, policyText } = open(broad({ exec: { allow: [['ls', '*']], deny: [['rm', '**'], ['sh', '**'], ['bash', '**']] } }));
    const attacks = [
      ['rm', a.logFile], ['rm', '-rf', a.logDir], ['rm', '.airlock/policy.json'], ['/bin/rm', '-f', '.airlock/policy.json'],
      ['/usr/bin/rm', a.logFile], ['sh', '-c', `rm -f ${a.logFile}`], ['bash', '-c', 'rm -f .airlock/policy.json'],
      ['/bin/sh', '-s'], ['ls', `;rm ${a.logFile}`],
    ];
    for (const argv of attacks) {
      const r = await a.perform(t, { action: 'exec', argv, input: `rm -f ${a.logFile} .airlock/policy.json\n` });
      if (argv[0] === 'ls') {
        // `ls` is allowed: the argument is one literal file name (no shell), which does not exist.
        assert.notEqual((r.result as { exitCode?: number } | undefined)?.exitCode, 0);
        continue;
      }
      assertRefused(r, JSON.stringify(argv));
      assert.equal(r.verdict, 'deny', JSON.stringify(argv));
    }
    const inLogDir = await a.perform(t, { action: 'exec', argv: ['ls', '.'], cwd: a.logDir });
    assertRefused(inLogDir, 'a cwd in the log dir');
    const viaDotDot = await a.perform(t, { action: 'exec', argv: ['ls', '.'], cwd: path.relative(a.root, a.logDir) });
    assertRefused(viaDotDot, 'a relative cwd in the log dir');
    assertIntact(a, policyText);
  });

  it('refuses an allowed command whose arguments name the log, the key, the policy, git hooks or editor settings', async () => {
    const { a, t, policyText } = open(broad({ exec: { allow: [['rm', '*'], ['rm', '-rf', '*'], ['cp', '*', '*'], ['git', 'diff', '*'], ['ls', '*']] } }));
    a.writeWs('evil.sh', '#!/bin/sh\ntouch /tmp/pwned\n');
    a.writeWs('notes.txt', 'scratch\n');
    fs.mkdirSync(path.join(a.root, '.git', 'hooks'), { recursive: true });
    fs.mkdirSync(path.join(a.root, 'src'), { recursive: true });
    const attacks: { argv: string[]; cwd?: string }[] = [
      { argv: ['rm', a.logFile] }, { argv: ['rm', '-rf', a.logDir] }, { argv: ['rm', path.join(a.keyDir, 'signing.key')] },
      { argv: ['rm', '.airlock/policy.json'] }, { argv: ['rm', '-rf', '.airlock'] }, { argv: ['cp', 'evil.sh', '.git/hooks/pre-commit'] },
      { argv: ['rm', '-rf', '.git'] }, { argv: ['git', 'diff', '--output=.vscode/settings.json'] },
      { argv: ['rm', '../.airlock/policy.json'], cwd: 'src' }, { argv: ['cp', '../evil.sh', '../.git/hooks/post-checkout'], cwd: 'src' },
    ];
    for (const { argv, cwd } of attacks) {
      const r = await a.perform(t, { action: 'exec', argv, ...(cwd ? { cwd } : {}) });
      assertRefused(r, JSON.stringify(argv));
      assert.equal(r.error?.message.includes('no command may be given'), true, `${JSON.stringify(argv)}: ${r.error?.message}`);
    }
    assert.equal(fs.existsSync(path.join(a.root, '.git', 'hooks', 'pre-commit')), false);
    assert.equal(fs.existsSync(path.join(a.root, '.git', 'hooks', 'post-checkout')), false);
    assert.equal(fs.existsSync(path.join(a.root, '.vscode')), false);
    // The same commands on ordinary files still run.
    const rm = await a.perform(t, { action: 'exec', argv: ['rm', 'notes.txt'] });
    assert.equal(rm.outcome, 'done', JSON.stringify(rm));
    assert.equal(a.existsWs('notes.txt'), false);
    const ls = await a.perform(t, { action: 'exec', argv: ['ls', '.'] });
    assert.equal(ls.outcome, 'done', JSON.stringify(ls));
    assertIntact(a, policyText);
  });
});
