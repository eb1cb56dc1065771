// The command guard with real child processes: resolved programs, scrubbed env, confined cwd, and whole-tree kills.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { guardedExec, resolveProgram, scrubEnv, type ExecOptions } from '../../sandbox/guards/exec.js';
import { makeTempDir, recordingAuthorize, rejectsWithCode } from './support.js';

/** A background loop that writes a counter to `file` every 50 ms: inside a PID namespace its pid means nothing outside. */
const heartbeat = (file: string) => `(n=0; while :; do n=$((n+1)); echo $n > ${file}; sleep 0.05; done) &`;

/** The heartbeat in `file` stopped: it does not change over half a second (after up to 3 s to settle). */
async function stopsBeating(file: string): Promise<boolean> {
  const until = Date.now() + 3000;
  while (Date.now() < until) {
    const before = fs.readFileSync(file, 'utf8');
    await new Promise((r) => setTimeout(r, 500));
    if (fs.readFileSync(file, 'utf8') === before) return true;
  }
  return false;
}

async function waitForFile(p: string): Promise<string> {
  for (;;) {
    const text = fs.existsSync(p) ? fs.readFileSync(p, 'utf8').trim() : '';
    if (text !== '') return text;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('guards/exec', () => {
  let tmp: string;
  let root: string;
  let outside: string;
  const realSh = fs.realpathSync(resolveProgram('sh', process.env.PATH ?? '', '/') ?? '/bin/sh');

  beforeEach(() => {
    tmp = makeTempDir();
    root = path.join(tmp, 'ws');
    outside = path.join(tmp, 'outside');
    fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
    fs.mkdirSync(outside);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const opts = (over: Partial<ExecOptions> = {}): ExecOptions => ({
    root, authorize: recordingAuthorize().authorize, maxOutputBytes: 100_000, defaultTimeoutMs: 10_000,
    // Confined, with a policy that lets the command read and write the whole workspace.
    confine: { judge: { read: () => true, write: () => true }, homes: [], protectedOutside: [], protectedInside: [] },
    ...over,
  });

  describe('resolveProgram', () => {
    it('finds a bare name on PATH as an absolute executable path', () => {
      const p = resolveProgram('sh', process.env.PATH ?? '', root);
      assert.ok(p && path.isAbsolute(p) && path.basename(p) === 'sh');
    });

    it('resolves a path with a slash against cwd, and requires an executable file', () => {
      fs.writeFileSync(path.join(root, 'tool.sh'), '#!/bin/sh\necho tool\n', { mode: 0o755 });
      fs.writeFileSync(path.join(root, 'plain.txt'), 'x', { mode: 0o644 });
      assert.equal(resolveProgram('./tool.sh', '', root), path.join(root, 'tool.sh'));
      assert.equal(resolveProgram('./plain.txt', '', root), null);
      assert.equal(resolveProgram('./sub', '', root), null);
      assert.equal(resolveProgram('no-such-program-airlock', process.env.PATH ?? '', root), null);
    });

    it('skips empty and relative PATH entries, which would search the working directory', () => {
      fs.mkdirSync(path.join(root, 'bin'));
      fs.writeFileSync(path.join(root, 'bin', 'trojan'), '#!/bin/sh\n', { mode: 0o755 });
      fs.writeFileSync(path.join(root, 'trojan'), '#!/bin/sh\n', { mode: 0o755 });
      assert.equal(resolveProgram('trojan', `bin${path.delimiter}${path.delimiter}.`, root), null);
      assert.equal(resolveProgram('trojan', path.join(root, 'bin'), root), path.join(root, 'bin', 'trojan'));
    });
  });

  describe('scrubEnv', () => {
    it('keeps only allowlisted names, and never a secret-looking name through a wildcard', () => {
      const env = scrubEnv({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', LC_SECRET_TOKEN: 'x', GITHUB_TOKEN: 't', NODE_OPTIONS: '--require evil', AWS_SECRET_ACCESS_KEY: 'k' });
      assert.deepEqual(env, { PATH: '/bin', HOME: '/h', LC_ALL: 'C' });
      assert.deepEqual(scrubEnv({ MY_TOKEN: 'named', OTHER: 'o' }, ['MY_TOKEN']), { MY_TOKEN: 'named' });
    });
  });

  describe('guardedExec', () => {
    it('runs argv without a shell, deciding the resolved absolute program', async () => {
      const rec = recordingAuthorize();
      const r = await guardedExec({ argv: ['sh', '-c', 'echo "$0 $1"', 'a b', ';rm'] }, opts({ authorize: rec.authorize }));
      assert.equal(r.stdout, 'a b ;rm\n');
      assert.equal(r.exitCode, 0);
      assert.equal(r.program, realSh);
      const first = rec.asked[0];
      assert.ok(first?.kind === 'exec' && first.program && path.isAbsolute(first.program));
      assert.deepEqual(first.argv, ['sh', '-c', 'echo "$0 $1"', 'a b', ';rm']);
      const last = rec.asked.at(-1);
      assert.equal(last?.kind === 'exec' ? last.program : undefined, realSh);
    });

    it('decides a symlinked program again by its real path', async () => {
      fs.symlinkSync(realSh, path.join(root, 'innocent'));
      const rec = recordingAuthorize((a) => a.kind === 'exec' && a.program === realSh);
      await rejectsWithCode(guardedExec({ argv: ['./innocent', '-c', `touch ${path.join(root, 'ran')}`] }, opts({ authorize: rec.authorize })), 'denied');
      assert.deepEqual(rec.asked.map((a) => (a.kind === 'exec' ? a.program : '')), [path.join(root, 'innocent'), realSh]);
      assert.equal(fs.existsSync(path.join(root, 'ran')), false);
    });

    it('does not run a refused command', async () => {
      const rec = recordingAuthorize(() => true);
      await rejectsWithCode(guardedExec({ argv: ['sh', '-c', `touch ${path.join(root, 'ran')}`] }, opts({ authorize: rec.authorize })), 'denied');
      assert.equal(fs.existsSync(path.join(root, 'ran')), false);
    });

    it('reports an unknown program or an empty argv before deciding anything', async () => {
      const rec = recordingAuthorize();
      await rejectsWithCode(guardedExec({ argv: ['no-such-program-airlock'] }, opts({ authorize: rec.authorize })), 'exec.not-found', 'on PATH');
      await rejectsWithCode(guardedExec({ argv: [] }, opts({ authorize: rec.authorize })), 'exec.invalid');
      assert.deepEqual(rec.asked, []);
    });

    it('passes only allowlisted variables to the child', async () => {
      const parentEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/home/x', LANG: 'C.UTF-8', AIRLOCK_TEST_SECRET: 's3cret', GITHUB_TOKEN: 'ghp_x', NODE_OPTIONS: '--require /evil.js' };
      const r = await guardedExec({ argv: ['env'] }, opts({ env: parentEnv }));
      assert.doesNotMatch(r.stdout, /s3cret|ghp_x|NODE_OPTIONS|AIRLOCK_TEST_SECRET/);
      assert.match(r.stdout, /^HOME=\/home\/x$/m);
      assert.match(r.stdout, /^LANG=C\.UTF-8$/m);
    });

    it('scrubs the harness environment by default', async () => {
      process.env.AIRLOCK_GUARD_TEST_SECRET = 'top-secret-value';
      try {
        const r = await guardedExec({ argv: ['env'] }, opts());
        assert.doesNotMatch(r.stdout, /top-secret-value/);
        assert.match(r.stdout, /^PATH=/m);
      } finally {
        delete process.env.AIRLOCK_GUARD_TEST_SECRET;
      }
    });

    it('runs in a working directory inside the workspace and refuses one outside', async () => {
      const r = await guardedExec({ argv: ['pwd'], cwd: 'sub' }, opts());
      assert.equal(r.stdout.trim(), path.join(root, 'sub'));
      assert.equal((await guardedExec({ argv: ['pwd'] }, opts())).stdout.trim(), root);
      fs.symlinkSync(outside, path.join(root, 'escape'));
      const rec = recordingAuthorize();
      await rejectsWithCode(guardedExec({ argv: ['pwd'], cwd: '..' }, opts({ authorize: rec.authorize })), 'exec.cwd', 'outside the workspace');
      await rejectsWithCode(guardedExec({ argv: ['pwd'], cwd: 'escape' }, opts({ authorize: rec.authorize })), 'exec.cwd', outside);
      await rejectsWithCode(guardedExec({ argv: ['pwd'], cwd: outside }, opts({ authorize: rec.authorize })), 'exec.cwd');
      await rejectsWithCode(guardedExec({ argv: ['pwd'], cwd: 'missing' }, opts({ authorize: rec.authorize })), 'exec.cwd');
      assert.deepEqual(rec.asked, []);
    });

    it('feeds stdin input, and closes stdin when there is none', async () => {
      assert.equal((await guardedExec({ argv: ['cat'], input: 'from stdin' }, opts())).stdout, 'from stdin');
      const r = await guardedExec({ argv: ['cat'] }, opts());
      assert.equal(r.stdout, '');
      assert.equal(r.exitCode, 0);
    });

    it('reports exit codes and stderr', async () => {
      const r = await guardedExec({ argv: ['sh', '-c', 'echo oops >&2; exit 3'] }, opts());
      assert.equal(r.exitCode, 3);
      assert.equal(r.stderr, 'oops\n');
      assert.equal(r.killed, false);
    });

    it('kills the whole process tree on timeout', async () => {
      const beat = path.join(root, 'beat');
      const r = await guardedExec({ argv: ['sh', '-c', `${heartbeat(beat)} wait`], timeoutMs: 1500 }, opts());
      assert.equal(r.timedOut, true);
      assert.equal(r.killed, true);
      assert.equal(r.signal, 'SIGKILL');
      assert.ok(Number(fs.readFileSync(beat, 'utf8')) > 1, 'the background loop ran');
      assert.equal(await stopsBeating(beat), true);
    });

    it('never lets a request raise the time limit above the configured one', async () => {
      const r = await guardedExec({ argv: ['sleep', '30'], timeoutMs: 60_000 }, opts({ defaultTimeoutMs: 500 }));
      assert.equal(r.timedOut, true);
    });

    it('kills background processes left behind when the program exits', async () => {
      const beat = path.join(root, 'beat');
      // setsid: a daemon that leaves the process group still dies with the command (its PID namespace ends).
      // The command waits (up to 10 s) until the daemon has beaten once, so a loaded machine cannot make it exit first.
      const r = await guardedExec({
        argv: ['sh', '-c', `setsid sh -c '${heartbeat(beat)} wait' & i=0; while [ ! -s ${beat} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; echo done`],
      }, opts());
      assert.equal(r.exitCode, 0);
      assert.ok(Number(fs.readFileSync(beat, 'utf8')) >= 1, 'the daemon ran');
      assert.equal(await stopsBeating(beat), true);
    });

    it('caps a flood of output, kills the tree and marks the result truncated', async () => {
      const r = await guardedExec({ argv: ['sh', '-c', 'yes flood & yes err >&2'] }, opts({ maxOutputBytes: 10_000 }));
      assert.equal(r.truncated, true);
      assert.equal(r.killed, true);
      assert.equal(Buffer.byteLength(r.stdout) + Buffer.byteLength(r.stderr), 10_000);
    });

    it('kills the whole process tree when the signal aborts', async () => {
      const beat = path.join(root, 'beat');
      const controller = new AbortController();
      const running = guardedExec({ argv: ['sh', '-c', `${heartbeat(beat)} wait`] }, opts({ signal: controller.signal }));
      await waitForFile(beat);
      controller.abort();
      const r = await running;
      assert.equal(r.killed, true);
      assert.equal(r.timedOut, false);
      assert.equal(await stopsBeating(beat), true);
    });

    it('refuses to start when the signal has already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await rejectsWithCode(guardedExec({ argv: ['sh', '-c', `touch ${path.join(root, 'ran')}`] }, opts({ signal: controller.signal })), 'exec.aborted');
      assert.equal(fs.existsSync(path.join(root, 'ran')), false);
    });
  });
});
