// The command guard: runs one argv (never a shell) inside the workspace with a scrubbed environment, capped and killable,
// confined by the OS (sandbox/confine: bubblewrap mounts derived from the policy, no network but Airlock's proxy, its own
// PID namespace) unless the policy opted out with "exec": { "confine": "off" }.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { constants as C, accessSync, promises as fsp, statSync } from 'node:fs';
import path from 'node:path';
import { prepareConfined, type ConfineSettings, type PreparedCommand } from '../confine/bwrap.js';
import { argumentPathCandidates } from '../policy/exec.js';
import { guardError, type Authorize } from './types.js';

export interface ExecRequest { argv: string[]; cwd?: string; timeoutMs?: number; input?: string }

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** The absolute path of the program that ran (symlinks resolved): what was decided and what callers log. */
  program: string;
  /** Output went past maxOutputBytes: the rest was dropped and the process tree killed. */
  truncated: boolean;
  timedOut: boolean;
  /** The guard killed the process tree (timeout, abort, output cap, or leftovers after the program exited). */
  killed: boolean;
  durationMs: number;
  /** How the command was confined (for the log): `{ confinement: 'bwrap', network, mounts, connections }` or `'off'`. */
  confinement: Record<string, unknown>;
}

export interface ExecOptions {
  /** Absolute real path of the workspace root; the working directory must be inside it. */
  root: string;
  authorize: Authorize;
  /** Largest stdout + stderr together, in bytes. */
  maxOutputBytes: number;
  /** Time limit; a request may ask for less, never for more. */
  defaultTimeoutMs: number;
  /** The environment to scrub (default: the harness's own). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** How to confine: the sandbox settings, or 'off' when the policy opted out (the command then runs as a plain child). */
  confine: ConfineSettings | 'off';
}

/**
 * Variables a child may inherit. `NAME_*` is a prefix. Everything else (tokens, keys, NODE_OPTIONS, proxies, cloud
 * credentials) is dropped. SHELL is kept: tools such as npm read it to run their scripts, and it names a program only.
 */
export const DEFAULT_ENV_ALLOW: readonly string[] = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LANGUAGE', 'LC_*', 'TERM', 'COLORTERM', 'NO_COLOR', 'FORCE_COLOR',
  'TZ', 'TMPDIR', 'TMP', 'TEMP', 'NODE_ENV', 'CI',
];

/** Names that look like secrets are never passed through a wildcard, only when named exactly. */
const SECRET_NAME = /TOKEN|SECRET|PASSW|API_?KEY|PRIVATE|CREDENTIAL|AUTH|SESSION|COOKIE/i;

/** How long to wait for the pipes to close after the tree was killed before giving up on them. */
const CLOSE_GRACE_MS = 2000;

/** The environment restricted to an allowlist of names (exact, or `PREFIX_*`). */
export function scrubEnv(env: NodeJS.ProcessEnv, allow: readonly string[] = DEFAULT_ENV_ALLOW): Record<string, string> {
  const exact = new Set(allow.filter((a) => !a.endsWith('*')));
  const prefixes = allow.filter((a) => a.endsWith('*')).map((a) => a.slice(0, -1));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    const allowed = exact.has(name) || (prefixes.some((p) => name.startsWith(p)) && !SECRET_NAME.test(name));
    if (allowed) out[name] = value;
  }
  return out;
}

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, C.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path argv[0] runs: relative to `cwd` when it contains a slash, else the first executable file of that
 * name on `envPath`. Empty and relative PATH entries are skipped (they would search the working directory).
 */
export function resolveProgram(argv0: string, envPath: string, cwd: string): string | null {
  if (typeof argv0 !== 'string' || argv0 === '' || argv0.includes('\0')) return null;
  if (argv0.includes('/')) {
    const abs = path.resolve(cwd, argv0);
    return isExecutableFile(abs) ? abs : null;
  }
  for (const dir of envPath.split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, argv0);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

async function workingDirectory(root: string, requested: string | undefined): Promise<string> {
  const realRoot = await fsp.realpath(root);
  const wanted = path.resolve(realRoot, requested ?? '.');
  let real: string;
  try {
    real = await fsp.realpath(wanted);
  } catch {
    throw guardError('exec.cwd', `The working directory ${requested} does not exist.`);
  }
  if (!isInside(realRoot, real)) {
    throw guardError('exec.cwd', `The working directory ${requested} resolves to ${real}, outside the workspace: commands run inside the workspace only.`);
  }
  if (!(await fsp.stat(real)).isDirectory()) throw guardError('exec.cwd', `The working directory ${requested} is not a directory.`);
  return real;
}

/**
 * `candidate` (absolute, or relative to the real directory `cwd`) resolved as the kernel would: component by component,
 * following each symlink before a later `..` applies. Components that do not exist are appended as written.
 */
export async function resolveLikeKernel(cwd: string, candidate: string): Promise<string> {
  let current = path.isAbsolute(candidate) ? path.parse(candidate).root : cwd;
  let exists = true;
  for (const part of candidate.split(/[/\\]+/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, part);
    if (exists) {
      try {
        current = await fsp.realpath(next);
        continue;
      } catch {
        exists = false;
      }
    }
    current = next;
  }
  return current;
}

/** The real working directory and the real paths of every argument read as a path from it. */
async function realArgumentPaths(argv: readonly string[], cwd: string): Promise<string[]> {
  const out = new Set<string>([cwd]);
  for (const { candidate } of argumentPathCandidates(argv)) {
    if (candidate === '~' || candidate.startsWith('~/')) continue; // decided lexically against the policy's home
    out.add(await resolveLikeKernel(cwd, candidate));
  }
  return [...out];
}

/** SIGKILL the whole process group the child leads; already gone is fine. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: every member has already exited.
  }
}

/**
 * Runs a command. The program is resolved to an absolute path and decided through `authorize` (again with its real
 * path when that is a symlink); it runs in its own process group, which is killed on timeout, abort, output cap, and
 * when the program exits, so no descendant outlives the call.
 */
export async function guardedExec(req: ExecRequest, opts: ExecOptions): Promise<ExecResult> {
  const { argv } = req;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw guardError('exec.invalid', 'A command is a non-empty array of strings (argv), e.g. ["npm", "test"]; never a shell string.');
  }
  if (argv.some((a) => a.includes('\0'))) throw guardError('exec.invalid', 'A command argument contains a NUL character.');
  const cwd = await workingDirectory(opts.root, req.cwd);
  const env: Record<string, string> = { ...scrubEnv(opts.env ?? process.env), PWD: cwd };
  const program = resolveProgram(argv[0] as string, env.PATH ?? '', cwd);
  if (program === null) {
    throw guardError('exec.not-found', `${argv[0]} was not found as an executable file ${argv[0]?.includes('/') ? `at ${path.resolve(cwd, argv[0] as string)}` : 'on PATH'}.`);
  }
  // The protected-argument check again, on the real directory the command runs in and its arguments' real paths.
  const paths = await realArgumentPaths(argv, cwd);
  await opts.authorize({ kind: 'exec', argv: [...argv], program, paths });
  const realProgram = await fsp.realpath(program);
  if (realProgram !== program) await opts.authorize({ kind: 'exec', argv: [...argv], program: realProgram, paths });
  if (opts.signal?.aborted) throw guardError('exec.aborted', `${argv[0]} was aborted before it started.`);
  const requested = req.timeoutMs !== undefined && req.timeoutMs > 0 ? req.timeoutMs : opts.defaultTimeoutMs;
  const timeoutMs = Math.min(requested, opts.defaultTimeoutMs);
  if (opts.confine === 'off') {
    return run({ file: realProgram, args: argv.slice(1), argv0: argv[0] as string, env }, argv, realProgram, cwd, timeoutMs, req.input, opts,
      { confinement: 'off', reason: 'the policy sets "exec": { "confine": "off" }' });
  }
  const prepared: PreparedCommand = await prepareConfined(
    { program: realProgram, args: argv.slice(1), cwd, root: await fsp.realpath(opts.root), env, authorize: opts.authorize, timeoutMs },
    opts.confine,
  );
  try {
    if (opts.signal?.aborted) throw guardError('exec.aborted', `${argv[0]} was aborted before it started.`);
    return await run({ file: prepared.file, args: prepared.args, env: prepared.env }, argv, realProgram, cwd, timeoutMs, req.input, opts, prepared.facts,
      prepared.proxy?.connections);
  } finally {
    await prepared.cleanup();
  }
}

interface Spawnable { file: string; args: string[]; argv0?: string; env: Record<string, string> }

function run(target: Spawnable, argv: string[], program: string, cwd: string, timeoutMs: number, input: string | undefined, opts: ExecOptions,
  facts: Record<string, unknown>, connections?: readonly { target: string; allowed: boolean }[]): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const started = Date.now();
    let child: ChildProcessWithoutNullStreams;
    try {
      // detached: the child leads its own process group, so the whole tree can be killed with one kill(-pid).
      child = spawn(target.file, target.args, {
        cwd, env: target.env, ...(target.argv0 !== undefined ? { argv0: target.argv0 } : {}), shell: false, detached: true, windowsHide: true, stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      reject(guardError('exec.spawn', `${argv[0]} (${program}) could not be started: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let total = 0;
    let truncated = false;
    let timedOut = false;
    let killed = false;
    let exit: { code: number | null; signal: string | null } | null = null;
    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;

    const killTree = () => {
      killGroup(child.pid);
      killed = true;
      // A descendant that left the group may hold the pipes open: stop waiting for them after a grace period.
      graceTimer ??= setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish();
      }, CLOSE_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killTree();
    }, timeoutMs);
    const onAbort = () => killTree();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        program,
        truncated,
        timedOut,
        killed,
        durationMs: Date.now() - started,
        confinement: connections ? { ...facts, connections: connections.slice(0, 100) } : facts,
      });
    };

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      if (truncated) return;
      const room = opts.maxOutputBytes - total;
      if (chunk.length > room) {
        into.push(chunk.subarray(0, Math.max(0, room)));
        total = opts.maxOutputBytes;
        truncated = true;
        killTree();
        return;
      }
      into.push(chunk);
      total += chunk.length;
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));

    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      killGroup(child.pid);
      reject(guardError('exec.spawn', `${argv[0]} (${program}) could not be started: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Leftover background processes die with the program that started them.
      killGroup(child.pid);
    });
    child.on('close', finish);

    child.stdin.on('error', () => {
      // The program exited or closed stdin without reading it all (EPIPE): not an error of the command.
    });
    child.stdin.end(input ?? '');
  });
}
