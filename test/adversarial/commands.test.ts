// Command attacks: argument injection inside allowed prefixes (git -c, --upload-pack, --output, npm run), planted
// programs, environment leaks into children, and output floods. Effects are checked on disk and in /proc.
//
// Policy advice these cases encode: allow exact argv (["git", "diff"]), not `*`/`**` after programs whose options run
// code or write files (git -c / --upload-pack / --output, npm run with agent-writable package.json or .npmrc); keep
// package.json, .npmrc and node_modules asked when `npm test`/`npm run *` is allowed, as airlock:node-project does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveProgram } from '../../sandbox/guards/exec.js';
import { decide } from '../../sandbox/policy/decide.js';
import type { Scope } from '../../sandbox/policy/schema.js';
import type { ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena, assertRefused } from './support.js';

interface ExecValue { exitCode: number | null; stdout: string; stderr: string; truncated?: boolean; timedOut?: boolean }

/** Processes whose working directory is inside `root` (read from /proc): what outlived a command. */
function processesIn(root: string): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
      if (cwd === root || cwd.startsWith(root + path.sep)) out.push(`${pid} ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')}`);
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/**
 * npm is usually a symlink to npm-cli.js, and the exec guard decides the real program again by its basename, so a
 * ["npm", ...] rule alone never runs it (it fails closed). Rules naming the real file let these tests run npm.
 */
const NPM_REAL = fs.realpathSync(resolveProgram('npm', process.env.PATH ?? '', '/') ?? '/usr/bin/npm');
const npmRules = (...tails: string[][]): string[][] => tails.flatMap((tail) => [['npm', ...tail], [NPM_REAL, ...tail]]);

/** The task scope of airlock:node-project, written out (a task scope does not follow `extends`). */
const NODE_PROJECT_SCOPE: Scope = {
  fs: { read: { allow: ['**'] }, write: { allow: ['src/**', 'test/**'] } },
  exec: { allow: [...npmRules(['test'], ['run', '*']), ['npx', 'tsc', '--noEmit'], ['git', 'status'], ['git', 'diff'], ['git', 'log', '--oneline']] },
};

describe('adversarial: commands', function () {
  this.timeout(30000);
  let arena: Arena | undefined;
  afterEach(async () => {
    await arena?.close();
    arena = undefined;
  });

  const pwnedPaths = (a: Arena) => [path.join(a.outside, 'PWNED'), path.join(a.root, 'PWNED'), path.join(a.root, 'src', 'PWNED')];
  const assertNoPwned = (a: Arena) => {
    for (const p of pwnedPaths(a)) assert.equal(fs.existsSync(p), false, `${p} was created`);
    a.assertCanariesIntact();
  };

  it('refuses argument injection around exact git rules: -c, --upload-pack, --output, --no-index, other spellings', async () => {
    const a = arena = new Arena({
      policy: { version: 1, extends: ['airlock:node-project'], exec: { allow: NODE_PROJECT_SCOPE.exec!.allow! } },
      files: { 'src/a.ts': 'a\n' },
    });
    execFileSync('git', ['init', '-q'], { cwd: a.root, env: { ...process.env, HOME: a.homeDir } });
    const t = a.startTask(NODE_PROJECT_SCOPE);
    const pwn = path.join(a.outside, 'PWNED');
    const attacks = [
      ['git', '-c', `core.pager=touch ${pwn}`, 'diff'],
      ['git', '-c', `core.fsmonitor=touch ${pwn}`, 'status'],
      ['git', '-c', `alias.status=!touch ${pwn}`, 'status'],
      ['git', 'diff', `--output=${pwn}`],
      ['git', 'log', '--oneline', `--output=${pwn}`],
      ['git', `--upload-pack=touch ${pwn}`, 'fetch', '.'],
      ['git', 'fetch', `--upload-pack=touch ${pwn}`, '.'],
      ['git', 'diff', '--no-index', path.join(a.outside, 'canary.txt'), '/dev/null'],
      ['git', 'status', '&&', 'touch', pwn],
      ['git', 'status;', 'touch', pwn],
      ['git status'],
      ['/usr/bin/git', '-c', `core.pager=touch ${pwn}`, 'diff'],
      ['./git', 'status'],
      ['GIT_CONFIG_PARAMETERS=x', 'git', 'status'],
      ['env', `GIT_PAGER=touch ${pwn}`, 'git', 'diff'],
      ['npm', 'test', '--', `--require=${pwn}`],
      ['npm', 'run', 'test', '--', '&&', 'touch', pwn],
      ['npx', 'tsc', '--noEmit', '--outFile', pwn],
    ];
    const results: ActionResult[] = [];
    for (const argv of attacks) {
      const r = await a.perform(t, { action: 'exec', argv });
      assertRefused(r, JSON.stringify(argv));
      results.push(r);
    }
    assert.equal(JSON.stringify(results).includes(a.canaryContent('canary.txt').trim()), false);
    // The exact rules themselves still run, with no injected effect.
    const status = await a.perform(t, { action: 'exec', argv: ['git', 'status'] });
    assert.equal(status.outcome, 'done', JSON.stringify(status).slice(0, 400));
    assert.equal((status.result as ExecValue).exitCode, 0);
    assertNoPwned(a);
  });

  it('keeps npm scripts out of reach: package.json, .npmrc and node_modules are asked, so `npm test` runs what the user wrote', async () => {
    const pkg = JSON.stringify({ name: 'victim', version: '1.0.0', scripts: { test: 'node -e "console.log(\'original tests\')"' } }, null, 2);
    const a = arena = new Arena({
      policy: { version: 1, extends: ['airlock:node-project'], exec: { allow: NODE_PROJECT_SCOPE.exec!.allow! } },
      files: { 'package.json': pkg, 'src/a.ts': 'a\n' },
    });
    const t = a.startTask(NODE_PROJECT_SCOPE);
    const pwn = path.join(a.outside, 'PWNED');
    const evil = JSON.stringify({ name: 'victim', version: '1.0.0', scripts: { test: `touch ${pwn}`, pretest: `touch ${pwn}`, x: `touch ${pwn}` } });
    const writes = [
      await a.perform(t, { action: 'fs.write', path: 'package.json', content: evil }),
      await a.perform(t, { action: 'fs.write', path: 'src/../package.json', content: evil }),
      await a.perform(t, { action: 'fs.write', path: '.npmrc', content: `script-shell=${pwn}\n` }),
      await a.perform(t, { action: 'fs.write', path: 'node_modules/.bin/tsc', content: `#!/bin/sh\ntouch ${pwn}\n` }),
      await a.perform(t, { action: 'fs.write', path: 'src/package.json', content: evil }),
    ];
    for (const r of writes) assertRefused(r, `write ${r.target}`);
    assert.equal(a.readWs('package.json'), pkg);
    // A package.json the agent may write (src/ is writable) is not the one npm runs from the workspace root.
    const test = await a.perform(t, { action: 'exec', argv: ['npm', 'test'] });
    assert.equal(test.outcome, 'done', JSON.stringify(test).slice(0, 400));
    assert.match((test.result as ExecValue).stdout, /original tests/);
    const x = await a.perform(t, { action: 'exec', argv: ['npm', 'run', 'x'] });
    assert.notEqual((x.result as ExecValue | undefined)?.exitCode, 0, 'there is no script x in the real package.json');
    // `cwd` cannot move npm to the agent's package.json outside the workspace, and inside it the cwd is not a rule:
    const outsideCwd = await a.perform(t, { action: 'exec', argv: ['npm', 'test'], cwd: '../outside' });
    assertRefused(outsideCwd, 'npm test with a cwd outside the workspace');
    assertNoPwned(a);
    // The advice is in the preset: these writes are asked, never allowed silently; the ones that would hand npm a
    // script inside the writable folders (a nested package.json, any .npmrc) are denied outright.
    for (const p of ['package.json', 'node_modules/.bin/tsc', 'package-lock.json']) {
      assert.equal(decide(a.policy, null, [], { kind: 'fs.write', path: p }).verdict, 'ask', p);
    }
    for (const p of ['.npmrc', 'src/package.json', 'test/unit/package.json', 'src/.npmrc']) {
      assert.equal(decide(a.policy, null, [], { kind: 'fs.write', path: p }).verdict, 'deny', p);
    }
  });

  it('with the advised deny on **/package.json, a nested package.json cannot be planted for `npm test` run in its folder', async () => {
    // `npm test` with cwd "src" runs src/package.json. airlock:node-project denies package.json writes under its
    // writable folders; a team that opens more folders should deny "**/package.json" too, as this policy does.
    const a = arena = new Arena({
      policy: { version: 1, extends: ['airlock:node-project'], fs: { write: { deny: ['**/package.json', '**/.npmrc'] } }, exec: { allow: NODE_PROJECT_SCOPE.exec!.allow! } },
      files: { 'package.json': '{"name":"victim","scripts":{"test":"node -e 0"}}', 'src/a.ts': 'a\n' },
    });
    const t = a.startTask(NODE_PROJECT_SCOPE);
    const pwn = path.join(a.outside, 'PWNED');
    const planted = await a.perform(t, { action: 'fs.write', path: 'src/package.json', content: JSON.stringify({ scripts: { test: `touch ${pwn}` } }) });
    assertRefused(planted, 'a nested package.json');
    assert.equal(planted.verdict, 'deny');
    const run = await a.perform(t, { action: 'exec', argv: ['npm', 'test'], cwd: 'src' });
    assert.equal(run.outcome, 'done');
    assertNoPwned(a);
  });

  it('never passes the harness environment to children: tokens, NODE_OPTIONS, BASH_ENV and GIT_* are dropped', async () => {
    const a = arena = new Arena({
      policy: { version: 1, default: 'deny', exec: { allow: [['env'], ['printenv', '*'], ...npmRules(['run', 'env'])] } },
      files: { 'package.json': '{"name":"victim","version":"1.0.0"}' },
      env: {
        GITHUB_TOKEN: 'ghp_' + 'a'.repeat(36),
        NODE_OPTIONS: '--require /nonexistent/evil.js',
        BASH_ENV: '/nonexistent/evil.sh',
        GIT_CONFIG_PARAMETERS: "'core.pager=evil'",
        LC_AUTH_TOKEN: 'lc-secret-value',
        NPM_CONFIG_SCRIPT_SHELL: '/nonexistent/evil',
      },
    });
    const t = a.startTask();
    const env = await a.perform(t, { action: 'exec', argv: ['env'] });
    assert.equal(env.outcome, 'done');
    const stdout = (env.result as ExecValue).stdout;
    for (const name of ['AIRLOCK_ADV_SECRET', 'GITHUB_TOKEN', 'NODE_OPTIONS', 'BASH_ENV', 'GIT_CONFIG_PARAMETERS', 'LC_AUTH_TOKEN', 'NPM_CONFIG_SCRIPT_SHELL']) {
      assert.equal(new RegExp(`^${name}=`, 'm').test(stdout), false, `${name} reached the child`);
    }
    assert.match(stdout, /^PATH=/m, 'the allowlisted variables do pass');
    const printed = await a.perform(t, { action: 'exec', argv: ['printenv', 'AIRLOCK_ADV_SECRET'] });
    assert.equal((printed.result as ExecValue).exitCode, 1, 'printenv finds no such variable');
    const npmEnv = await a.perform(t, { action: 'exec', argv: ['npm', 'run', 'env'] });
    assert.equal(npmEnv.outcome, 'done', JSON.stringify(npmEnv).slice(0, 300));
    a.assertSecretAbsent([env, printed, npmEnv]);
    assert.equal(JSON.stringify([env, npmEnv]).includes('lc-secret-value'), false);
  });

  it('never makes a file the agent writes executable, so it cannot plant a program', async () => {
    const a = arena = new Arena({
      policy: { version: 1, default: 'deny', fs: { write: { allow: ['src/**'] } }, exec: { allow: [['./src/tool.sh'], ['src/tool.sh']] } },
      env: { PATH: `src:./src:${process.env.PATH ?? '/usr/bin:/bin'}` },
    });
    const t = a.startTask();
    const pwn = path.join(a.outside, 'PWNED');
    const w = await a.perform(t, { action: 'fs.write', path: 'src/tool.sh', content: `#!/bin/sh\ntouch ${pwn}\n` });
    assert.equal(w.outcome, 'done');
    assert.equal(fs.statSync(path.join(a.root, 'src', 'tool.sh')).mode & 0o111, 0, 'written without an exec bit');
    const w2 = await a.perform(t, { action: 'fs.write', path: 'src/git', content: `#!/bin/sh\ntouch ${pwn}\n` });
    assert.equal(w2.outcome, 'done');
    for (const argv of [['./src/tool.sh'], ['src/tool.sh'], ['tool.sh'], ['git', 'status']]) {
      const r = await a.perform(t, { action: 'exec', argv });
      assertRefused(r, JSON.stringify(argv));
    }
    assertNoPwned(a);
  });

  it('caps an output flood and a runaway command, killing the whole process tree', async () => {
    const a = arena = new Arena({
      policy: { version: 1, default: 'deny', exec: { allow: [['yes'], ['seq', '*'], ['sleep', '*']] }, limits: { maxExecOutputBytes: 65536, wallMs: 1500 } },
    });
    const t = a.startTask();
    const [yes, seq, sleep] = await Promise.all([
      a.perform(t, { action: 'exec', argv: ['yes'] }),
      a.perform(t, { action: 'exec', argv: ['seq', '1000000000'] }),
      a.perform(t, { action: 'exec', argv: ['sleep', '30'] }),
    ]);
    for (const r of [yes, seq]) {
      const v = r.result as ExecValue;
      assert.equal(v.truncated, true, JSON.stringify(r).slice(0, 300));
      assert.ok(v.stdout.length + v.stderr.length <= 65536, `output capped: ${v.stdout.length}`);
    }
    assert.equal((sleep.result as ExecValue).timedOut, true);
    // The log holds digests of the output, never the flood itself.
    assert.ok(a.logText().length < 65536, `log is ${a.logText().length} bytes`);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(processesIn(a.root), [], 'no process outlived its command');
  });
});
