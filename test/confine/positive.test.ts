// Tools only Airlock starts still work confined (real bubblewrap, real npm, git and node): node --version, git status and
// diff, npm test, and npm install from a registry on 127.0.0.1 that the policy allows, reached through the proxy.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { confinementProblem } from '../../sandbox/confine/bwrap.js';
import type { ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena } from '../adversarial/support.js';

interface ExecValue { exitCode: number | null; stdout: string; stderr: string }
const value = (r: ActionResult): ExecValue => r.result as ExecValue;

/** A one-package npm registry: metadata and a tarball made by `npm pack` from a real folder. */
async function startRegistry(): Promise<{ server: http.Server; url: string; hits: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-registry-'));
  const pkg = path.join(dir, 'pkg');
  fs.mkdirSync(pkg);
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'airlock-pad', version: '1.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(pkg, 'index.js'), 'module.exports = (s) => "  " + s;\n');
  execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: pkg, env: { ...process.env, npm_config_loglevel: 'silent' } });
  const tgz = fs.readFileSync(path.join(dir, 'airlock-pad-1.0.0.tgz'));
  fs.rmSync(dir, { recursive: true, force: true });
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (req.url === '/airlock-pad') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({
        name: 'airlock-pad', 'dist-tags': { latest: '1.0.0' },
        versions: { '1.0.0': { name: 'airlock-pad', version: '1.0.0', main: 'index.js', dist: {
          tarball: `${base}/airlock-pad/-/airlock-pad-1.0.0.tgz`,
          shasum: createHash('sha1').update(tgz).digest('hex'),
          integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
        } } },
      }));
    } else if (req.url === '/airlock-pad/-/airlock-pad-1.0.0.tgz') {
      res.end(tgz);
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, hits };
}

describe('confine: tools keep working confined', function () {
  this.timeout(120000);
  let arena: Arena | undefined;
  before(async () => {
    const problem = await confinementProblem();
    if (problem !== null) throw new Error(`bubblewrap is needed for these tests (.ci/run installs it): ${problem}`);
  });
  afterEach(async () => {
    await arena?.close();
    arena = undefined;
  });

  const POLICY = {
    version: 1, extends: ['airlock:node-project'],
    exec: { allow: [['node', '--version'], ['git', 'status'], ['git', 'diff'], ['npm', 'test'], ['npm', 'install', '--no-save', '--no-audit', '--no-fund', 'airlock-pad']] },
  };
  const scope = (extra: Record<string, unknown> = {}) => ({ fs: { read: { allow: ['**'] }, write: { allow: ['src/**', 'test/**', 'node_modules/**'] } }, exec: POLICY.exec, ...extra });

  it('node --version, git status and git diff', async () => {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/index.js': 'one\n' } });
    execFileSync('git', ['init', '-q', a.root]);
    execFileSync('git', ['-C', a.root, 'add', 'src/index.js']);
    execFileSync('git', ['-C', a.root, '-c', 'user.email=a@b', '-c', 'user.name=a', 'commit', '-qm', 'init']);
    a.writeWs('src/index.js', 'two\n');
    const t = a.startTask(scope());
    const node = await a.perform(t, { action: 'exec', argv: ['node', '--version'] });
    assert.equal(node.outcome, 'done', JSON.stringify(node));
    assert.match(value(node).stdout, /^v\d+\.\d+\.\d+\n$/, value(node).stderr);
    const status = await a.perform(t, { action: 'exec', argv: ['git', 'status'] });
    assert.equal(value(status).exitCode, 0, value(status).stderr);
    assert.match(value(status).stdout, /modified:\s+src\/index\.js/);
    const diff = await a.perform(t, { action: 'exec', argv: ['git', 'diff'] });
    assert.equal(value(diff).exitCode, 0, value(diff).stderr);
    assert.match(value(diff).stdout, /-one\n\+two/);
  });

  it('npm test runs the project\'s tests, which may write only the agent\'s scope', async () => {
    const a = arena = new Arena({
      policy: POLICY,
      files: {
        'package.json': JSON.stringify({ name: 'p', version: '1.0.0', scripts: { test: 'node test/run.js' } }),
        'test/run.js': "require('fs').writeFileSync('test/out.txt', 'tested'); console.log('tests pass');\n",
      },
    });
    const t = a.startTask(scope());
    const r = await a.perform(t, { action: 'exec', argv: ['npm', 'test'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(value(r).exitCode, 0, value(r).stderr);
    assert.match(value(r).stdout, /tests pass/);
    assert.equal(a.readWs('test/out.txt'), 'tested');
  });

  it('npm install from an allowed registry on 127.0.0.1 goes through the proxy', async () => {
    const registry = await startRegistry();
    try {
      const a = arena = new Arena({
        policy: { ...POLICY, net: { allow: [`${registry.url}**`] }, fs: { write: { allow: ['node_modules/**'] } } },
        files: { 'package.json': JSON.stringify({ name: 'p', version: '1.0.0' }), '.npmrc': `registry=${registry.url}\n`, 'node_modules/.keep': '' },
      });
      const t = a.startTask(scope({ net: { allow: [`${registry.url}**`] } }));
      const r = await a.perform(t, { action: 'exec', argv: POLICY.exec.allow[4] as string[] });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
      assert.equal(value(r).exitCode, 0, value(r).stderr + value(r).stdout);
      assert.equal(a.readWs('node_modules/airlock-pad/index.js').includes('module.exports'), true);
      assert.ok(registry.hits.includes('/airlock-pad'), JSON.stringify(registry.hits));
      const log = a.logText();
      assert.match(log, /"verdict":"allow"[^\n]*airlock-pad-1\.0\.0\.tgz|airlock-pad-1\.0\.0\.tgz[^\n]*"verdict":"allow"/, 'the tarball fetch was decided and logged');
    } finally {
      await new Promise((r) => registry.server.close(r));
    }
  });
});
