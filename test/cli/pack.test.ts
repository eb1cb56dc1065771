// The packed tarball installs into another project and runs there as `npx airlock` (slow: npm pack + npm install).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/cli.js';

const execFileAsync = promisify(execFile);

/** execFile that puts the command's own output into the failure message. */
async function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; maxBuffer?: number }): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync(cmd, args, opts);
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Node 24 (the `node` devDependency) first on PATH, as a supported Node would be on a tester's machine. */
function envWithNode24(home: string): NodeJS.ProcessEnv {
  const nodeBin = path.join(repoRoot, 'node_modules', 'node', 'bin');
  assert.ok(fs.existsSync(path.join(nodeBin, 'node')), 'the node devDependency provides Node 24');
  return {
    ...process.env,
    PATH: `${nodeBin}${path.delimiter}${process.env['PATH'] ?? ''}`,
    NODE_OPTIONS: '',
    AIRLOCK_STATE_DIR: path.join(home, 'state'),
    AIRLOCK_BASELINE_POLICY: '',
    XDG_CONFIG_HOME: path.join(home, 'config'),
    // npm must not pick up the repository's own settings or scripts.
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

describe('npm pack → npm i -D ./airlock-*.tgz → npx airlock (slow)', function () {
  this.timeout(600_000);
  this.slow(120_000);
  let dir: string;
  before(() => {
    // Outside the repository, so nothing resolves through its node_modules.
    dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-pack-')));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('installs from the tarball into a fresh project and runs --version, policy check and a session there', async () => {
    const env = envWithNode24(dir);
    // prepack regenerates PROTOCOL.md; put the committed text back, so this test never hides a stale file from its own test.
    const protocolFile = path.join(repoRoot, 'PROTOCOL.md');
    const committedProtocol = fs.readFileSync(protocolFile);
    let packed: { stdout: string };
    try {
      packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: repoRoot, env, maxBuffer: 64 * 1024 * 1024 });
    } finally {
      fs.writeFileSync(protocolFile, committedProtocol);
    }
    const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0];
    assert.ok(info, packed.stdout);
    const files = info.files.map((f) => f.path);
    for (const f of ['bin/airlock.js', 'dist/cli.js', 'policies/default.json', 'policies/policy.schema.json', 'policies/session.schema.json', 'PROTOCOL.md', 'package.json']) {
      assert.ok(files.includes(f), `the tarball holds ${f}: ${files.join(', ')}`);
    }
    assert.ok(!files.some((f) => f.startsWith('sandbox/') || f.startsWith('test/') || f.startsWith('src/')), 'sources and tests stay out');

    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'tester-project', version: '1.0.0', private: true }));
    await run('npm', ['i', '-D', '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, info.filename)], { cwd: project, env, maxBuffer: 64 * 1024 * 1024 });

    const version = await run('npx', ['--no-install', 'airlock', '--version'], { cwd: project, env });
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), pkg.version);

    fs.mkdirSync(path.join(project, '.airlock'));
    fs.writeFileSync(path.join(project, '.airlock', 'policy.json'), JSON.stringify({
      version: 1, extends: ['airlock:node-project'],
      tasks: { work: { intent: 'work', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } } } } },
      tests: [{ action: 'fs.write', target: 'src/a.ts', task: 'work', expect: 'allow' }, { action: 'fs.read', target: '.env', expect: 'deny' }],
    }));
    const check = await run('npx', ['--no-install', 'airlock', 'policy', 'check'], { cwd: project, env });
    assert.match(check.stdout, /^ok \.airlock\/policy\.json$/m);

    fs.mkdirSync(path.join(project, 'src'));
    fs.writeFileSync(path.join(project, 'src', 'a.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(project, 'session.json'), JSON.stringify({
      name: 'installed', workspace: '.', task: { template: 'work' },
      steps: [
        { action: 'fs.read', path: 'src/a.ts', expect: { verdict: 'allow', outcome: 'done', resultContains: 'export' } },
        { action: 'script', code: 'return (await airlock.fs.readFile("src/a.ts")).length;', expect: { outcome: 'done', resultContains: '20' } },
      ],
    }));
    const session = await run('npx', ['--no-install', 'airlock', 'run', 'session.json', '--verify'], { cwd: project, env });
    assert.match(session.stdout, /1 session: 1 passed; 2 steps, 0 failed/);
    assert.match(session.stdout, /log verified/);
  });
});
