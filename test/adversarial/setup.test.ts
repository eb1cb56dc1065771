// Setup that cannot fail silently: `bin/airlock.js` on a Node isolated-vm has no native build for (the system Node 20)
// re-runs itself on the `node` package's binary, and where there is none prints one line saying which Node it needs —
// never isolated-vm's "No native build was found" stack trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../support/cli.js';

const bin = path.join(repoRoot, 'bin', 'airlock.js');
const explain = ['policy', 'explain', '--policy', 'airlock:default', '--baseline', 'none', 'fs.read', 'src/a.ts'];
const env = { ...process.env, NODE_OPTIONS: '', AIRLOCK_RERUN: '', XDG_CONFIG_HOME: path.join(os.tmpdir(), 'airlock-no-config') };

/** A Node on this machine that isolated-vm 6.2.0 has no build for (the system's Node 20), or undefined. */
function unsupportedNode(): string | undefined {
  const which = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' }).stdout.split('\n');
  for (const candidate of ['/usr/local/bin/node', '/usr/bin/node', ...which].filter((c) => c && fs.existsSync(c))) {
    const abi = spawnSync(candidate, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).stdout.trim();
    if (abi !== '' && abi !== '127' && abi !== '137') return candidate;
  }
  return undefined;
}

describe('adversarial: setup that cannot fail silently', function () {
  this.timeout(60_000);
  const oldNode = unsupportedNode();
  let fake: string | undefined;

  before(function () {
    if (!fs.existsSync(path.join(repoRoot, 'dist', 'cli.js'))) {
      const built = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
    }
  });
  after(() => { if (fake) fs.rmSync(fake, { recursive: true, force: true }); });

  it('on the system Node (no isolated-vm build), re-runs itself on the node package\'s binary and works', function () {
    if (!oldNode) {
      console.log('      skipped: no Node other than 22/24 on this machine to run the bin with');
      this.skip();
    }
    const r = spawnSync(oldNode!, [bin, ...explain], { cwd: repoRoot, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^allow fs\.read {2}src\/a\.ts/);
  });

  it('in an install without the node package, prints one line naming the Node it needs (exit 4), no stack trace', function () {
    if (!oldNode) {
      console.log('      skipped: no Node other than 22/24 on this machine to run the bin with');
      this.skip();
    }
    // Another project's install: the bin and airlock's files, but no `node` package beside them.
    fake = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-install-'));
    fs.mkdirSync(path.join(fake, 'bin'));
    fs.copyFileSync(bin, path.join(fake, 'bin', 'airlock.js'));
    fs.writeFileSync(path.join(fake, 'package.json'), JSON.stringify({ name: 'airlock', type: 'module' }));
    const r = spawnSync(oldNode!, [path.join(fake, 'bin', 'airlock.js'), ...explain], { cwd: fake, env, encoding: 'utf8' });
    assert.equal(r.status, 4);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^airlock: needs Node\.js 22 or 24 \(this is Node v\d+/);
    assert.doesNotMatch(r.stderr, /No native build|\n\s+at /);
  });

  it('on Node 24 without --no-node-snapshot, adds the flag itself', () => {
    const r = spawnSync(process.execPath, [bin, ...explain], { cwd: repoRoot, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^allow fs\.read/);
  });
});
