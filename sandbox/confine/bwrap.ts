// Architecture invariant: every command runs inside a bubblewrap sandbox derived from the layered policy, or not at all
// (unless the policy says `"exec": { "confine": "off" }`, which every command's log entry then records).
// This file finds out whether confinement works here and prepares one confined command: mounts, proxy, environment.
import { execFile } from 'node:child_process';
import { accessSync, constants as C, lstatSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import path from 'node:path';
import { guardError, type Authorize } from '../guards/types.js';
import { ISOLATION_ARGS, mountArgs, planMounts, type MountOp } from './plan.js';
import { startProxy, type RunningProxy } from './proxy.js';
import { walkWorkspace, type Judge } from './walk.js';

export interface ConfineSettings {
  /** What the policy allows a command to see and change (built-ins ∩ baseline ∩ workspace ∩ task scope, and grants). */
  judge: Judge;
  /** Home directories to hide (the policy's and the environment's). */
  homes: readonly string[];
  /** Protected paths outside the workspace (log, keys, baseline policy): hidden wherever a bound folder contains them. */
  protectedOutside: readonly string[];
  /** Files inside the workspace that stay read-only whatever the walk found (the policy files). */
  protectedInside: readonly string[];
  /** The bubblewrap binary. Default: `bwrap` on the harness's PATH (AIRLOCK_BWRAP overrides). */
  bwrap?: string;
}

export interface PreparedCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Facts for the log: how the command was confined. */
  facts: Record<string, unknown>;
  proxy?: RunningProxy;
  cleanup(): Promise<void>;
}

/** The loopback port the in-sandbox bridge listens on (hex 0C38 in /proc/net/tcp). */
const PROXY_PORT = 3128;
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt', '/nix/store'];

function which(name: string, envPath: string | undefined): string | undefined {
  for (const dir of (envPath ?? '/usr/local/bin:/usr/bin:/bin').split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, C.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function bwrapPath(settings?: { bwrap?: string }): string | undefined {
  const explicit = settings?.bwrap ?? process.env.AIRLOCK_BWRAP;
  if (explicit !== undefined) return explicit;
  return which('bwrap', process.env.PATH ?? '/usr/bin:/bin');
}

const probes = new Map<string, Promise<string | null>>();

/** The install hint for this platform: what to do so that commands can run confined. */
export function confinementHint(): string {
  if (process.platform === 'linux') {
    return 'install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap socat`; Fedora: `dnf install bubblewrap socat`; Arch: `pacman -S bubblewrap socat`) '
      + 'and allow unprivileged user namespaces (`sysctl kernel.unprivileged_userns_clone=1`; Ubuntu 24.04: `sysctl kernel.apparmor_restrict_unprivileged_userns=0`)';
  }
  return `Airlock cannot confine commands on ${process.platform} yet (see ARCHITECTURE.md for the macOS and Windows design); run the harness on Linux with bubblewrap`;
}

/**
 * Null when a confined command can run here, else why not. Probed once per binary: a tiny sandbox with the same
 * namespaces a command gets.
 */
export function confinementProblem(settings?: { bwrap?: string }): Promise<string | null> {
  if (process.platform !== 'linux') return Promise.resolve(`commands cannot be confined on ${process.platform}`);
  const bin = bwrapPath(settings);
  if (bin === undefined) return Promise.resolve('bubblewrap (bwrap) is not installed');
  let probe = probes.get(bin);
  if (!probe) {
    probe = new Promise((resolve) => {
      execFile(bin, ['--ro-bind', '/', '/', ...ISOLATION_ARGS, '--', '/bin/sh', '-c', 'exit 0'], { timeout: 10000 }, (err, _out, stderr) => {
        resolve(err ? `bubblewrap (${bin}) cannot create a sandbox here: ${(stderr || err.message).trim().split('\n')[0]}` : null);
      });
    });
    probes.set(bin, probe);
  }
  return probe;
}

/** The system folders as they are here: real folders bound read-only, top-level symlinks (merged /usr) recreated. */
let systemCache: { system: { path: string; symlinkTo?: string }[]; hidden: string[] } | undefined;
function systemLayout(): NonNullable<typeof systemCache> {
  if (systemCache) return systemCache;
  const system: { path: string; symlinkTo?: string }[] = [];
  for (const d of SYSTEM_DIRS) {
    try {
      const st = lstatSync(d);
      if (st.isSymbolicLink()) system.push({ path: d, symlinkTo: readlinkSync(d) });
      else if (st.isDirectory()) system.push({ path: d });
    } catch {
      // absent on this system
    }
  }
  // Files in /etc only their owner may read (shadow, sudoers, host keys): the sandbox runs as the harness's user, so hide them.
  const hidden: string[] = [];
  const scan = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(dir, n);
      try {
        const st = lstatSync(p);
        if (st.isSymbolicLink()) continue;
        if (st.isFile() && (st.mode & 0o004) === 0) hidden.push(p);
        else if (st.isDirectory() && depth > 0) scan(p, depth - 1);
      } catch {
        // vanished
      }
    }
  };
  scan('/etc', 2);
  systemCache = { system, hidden };
  return systemCache;
}

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');

/**
 * The runtime's own files a command needs beyond the system folders: every absolute PATH folder (a `node_modules/.bin`
 * folder brings its whole `node_modules`, where its links point) and the folder of the program that runs.
 */
function runtimeDirs(envPath: string, program: string, root: string, homes: readonly string[]): string[] {
  const out = new Set<string>();
  const add = (p: string) => {
    try {
      if (!statSync(p).isDirectory()) return;
    } catch {
      return;
    }
    if (SYSTEM_DIRS.some((s) => inside(s, p)) || inside(root, p)) return; // already bound, or decided by the workspace walk
    // Never a folder containing a home or the workspace: that would reveal the home, or the workspace's neighbours.
    if (homes.some((h) => inside(p, h)) || inside(p, root)) return;
    out.add(p);
  };
  for (const dir of envPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const nm = path.basename(dir) === '.bin' && path.basename(path.dirname(dir)) === 'node_modules' ? path.dirname(dir) : dir;
    add(nm);
  }
  add(path.dirname(program));
  // Nested binds must come after their parents.
  return [...out].sort((a, b) => a.length - b.length);
}

export interface PrepareRequest {
  program: string;
  args: readonly string[];
  cwd: string;
  root: string;
  env: Record<string, string>;
  authorize: Authorize;
  timeoutMs: number;
}

/** Plans the sandbox for one command and starts its proxy. The caller spawns `file args` and calls cleanup() after. */
export async function prepareConfined(req: PrepareRequest, settings: ConfineSettings): Promise<PreparedCommand> {
  const problem = await confinementProblem(settings);
  if (problem !== null) {
    throw guardError('exec.unconfined', `Airlock refused to run ${req.program}: ${problem}, and commands run only confined. To fix: ${confinementHint()}. `
      + 'A policy may opt out with "exec": { "confine": "off" } (policy check warns; every command is then logged as unconfined).');
  }
  const bin = bwrapPath(settings) as string;
  const { entries, rootWrite } = await walkWorkspace(req.root, settings.judge);
  const homes = [...new Set(settings.homes.filter((h) => path.isAbsolute(h) && h !== '/'))];
  const sys = systemLayout();
  const runtime = runtimeDirs(req.env.PATH ?? '', req.program, req.root, homes);
  const bound = [...sys.system.filter((s) => s.symlinkTo === undefined).map((s) => s.path), ...runtime, req.root];
  const exists = (p: string): 'dir' | 'file' | undefined => {
    try {
      return lstatSync(p).isDirectory() ? 'dir' : 'file';
    } catch {
      return undefined;
    }
  };
  const protectedHidden = settings.protectedOutside.flatMap((p) => {
    const type = exists(p);
    return type !== undefined && bound.some((b) => inside(b, p)) ? [{ path: p, type }] : [];
  });
  const protectedReadOnly = settings.protectedInside.filter((p) => inside(req.root, p) && exists(p) !== undefined);
  const socat = which('socat', '/usr/bin:/bin:/usr/local/bin');
  const proxy = socat !== undefined && SYSTEM_DIRS.some((s) => inside(s, socat))
    ? await startProxy({ authorize: req.authorize, timeoutMs: req.timeoutMs })
    : undefined;
  const ops: MountOp[] = planMounts({
    system: sys.system, systemHidden: sys.hidden, runtime, homes, root: req.root, rootWrite, entries,
    protectedReadOnly, protectedHidden, sockets: proxy ? [proxy.dir] : [],
  });
  const env: Record<string, string> = { ...req.env, TMPDIR: '/tmp' };
  for (const v of ['TMP', 'TEMP']) if (env[v] !== undefined) env[v] = '/tmp';
  let command: string[];
  if (proxy) {
    const url = `http://127.0.0.1:${PROXY_PORT}`;
    Object.assign(env, { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: '', no_proxy: '', NODE_USE_ENV_PROXY: '1' });
    // The bridge: a loopback port inside the sandbox to the proxy's socket; the command starts once it listens.
    const hexPort = PROXY_PORT.toString(16).toUpperCase().padStart(4, '0');
    const script = `${socat} TCP-LISTEN:${PROXY_PORT},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:${proxy.socket} 2>/dev/null &\n`
      + `i=0; while [ $i -lt 5000 ]; do i=$((i+1)); while read -r _ l _ st _; do [ "$l" = 0100007F:${hexPort} ] && [ "$st" = 0A ] && break 2; done </proc/net/tcp; done\n`
      + 'exec "$@"';
    command = ['/bin/sh', '-c', script, 'airlock-sandbox', req.program, ...req.args];
  } else {
    command = [req.program, ...req.args];
  }
  const args = [...ISOLATION_ARGS, ...mountArgs(ops), '--chdir', req.cwd, '--', ...command];
  return {
    file: bin, args, env, proxy,
    facts: { confinement: 'bwrap', network: proxy ? 'proxy' : 'none (socat is not installed)', mounts: ops.length },
    async cleanup() {
      await proxy?.close();
    },
  };
}
