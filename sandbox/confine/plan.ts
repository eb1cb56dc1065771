// The mount plan: what a confined command sees, as ordered bubblewrap mount operations derived from the layered policy.
//
// Pure: the caller walks the file system (walk.ts) and passes what it found with the policy's verdicts; this module only
// turns them into operations and bwrap arguments. Later operations cover earlier ones (bwrap applies them in order).
import path from 'node:path';

export type MountOp =
  /** Bind `src` at `dest` read-only (a file or a directory). */
  | { op: 'ro'; src: string; dest: string }
  /** Bind `src` at `dest` writable. */
  | { op: 'rw'; src: string; dest: string }
  /** An empty private directory (hides what was there; writes vanish with the sandbox). */
  | { op: 'tmpfs'; dest: string }
  /** An empty read-only directory over `dest`. */
  | { op: 'hide-dir'; dest: string }
  /** /dev/null over a file. */
  | { op: 'hide-file'; dest: string }
  | { op: 'symlink'; target: string; dest: string };

/** One workspace entry as walk.ts found it, with what the policy (built-ins, baseline, workspace, task, grants) says. */
export interface PlanEntry {
  readonly abs: string;
  readonly type: 'dir' | 'file' | 'symlink' | 'other';
  /** The agent may read (list) it. */
  readonly read: boolean;
  /** The agent may write it; for a directory: create and change entries inside it. */
  readonly write: boolean;
}

export interface PlanInput {
  /** System folders (programs, libraries, /etc) as they exist: a symlink is recreated, a folder bound read-only. */
  readonly system: ReadonlyArray<{ path: string; symlinkTo?: string }>;
  /** Files under the system folders that are hidden (/etc/shadow, host keys: readable by the harness user only). */
  readonly systemHidden: readonly string[];
  /** The runtime's own files outside the system folders (e.g. the node_modules a PATH entry points into), read-only. */
  readonly runtime: readonly string[];
  /** Home directories: each becomes an empty private folder. */
  readonly homes: readonly string[];
  /** The workspace root (real path) and its entries in walk order (parents before children). */
  readonly root: string;
  readonly rootWrite: boolean;
  readonly entries: readonly PlanEntry[];
  /** Extra read-only or hidden paths stated by the caller (protected paths that exist), applied last. */
  readonly protectedReadOnly: readonly string[];
  readonly protectedHidden: ReadonlyArray<{ path: string; type: 'dir' | 'file' }>;
  /** A directory bound writable at the same place (the proxy's socket folder). */
  readonly sockets: readonly string[];
}

const inside = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith('/') ? dir : dir + '/');

/** The operations for one confined command, in the order bwrap must apply them. */
export function planMounts(input: PlanInput): MountOp[] {
  const ops: MountOp[] = [];
  for (const s of input.system) ops.push(s.symlinkTo !== undefined ? { op: 'symlink', target: s.symlinkTo, dest: s.path } : { op: 'ro', src: s.path, dest: s.path });
  for (const f of input.systemHidden) ops.push({ op: 'hide-file', dest: f });
  ops.push({ op: 'tmpfs', dest: '/tmp' }, { op: 'tmpfs', dest: '/var/tmp' });
  for (const h of input.homes) if (!inside('/tmp', h)) ops.push({ op: 'tmpfs', dest: h });
  for (const r of input.runtime) ops.push({ op: 'ro', src: r, dest: r });
  ops.push({ op: input.rootWrite ? 'rw' : 'ro', src: input.root, dest: input.root });
  // Writable directories, in walk order; a directory is writable when its nearest bound ancestor's mode says so.
  const writableDirs: string[] = input.rootWrite ? [input.root] : [];
  const readOnlyDirs: string[] = input.rootWrite ? [] : [input.root];
  const modeOf = (p: string): 'rw' | 'ro' => {
    let best = '';
    let mode: 'rw' | 'ro' = 'ro';
    for (const d of writableDirs) if (inside(d, p) && d.length > best.length) { best = d; mode = 'rw'; }
    for (const d of readOnlyDirs) if (inside(d, p) && d.length > best.length) { best = d; mode = 'ro'; }
    return mode;
  };
  const hidden: string[] = [];
  for (const e of input.entries) {
    if (hidden.some((h) => inside(h, e.abs))) continue;
    if (!e.read) {
      ops.push(e.type === 'dir' ? { op: 'hide-dir', dest: e.abs } : { op: 'hide-file', dest: e.abs });
      hidden.push(e.abs);
      continue;
    }
    if (e.type === 'symlink' || e.type === 'other') continue; // a link is judged at its target; sockets and fifos as found
    const parent = modeOf(path.dirname(e.abs));
    if (e.write && parent === 'ro') {
      ops.push({ op: 'rw', src: e.abs, dest: e.abs });
      if (e.type === 'dir') writableDirs.push(e.abs);
    } else if (!e.write && parent === 'rw') {
      ops.push({ op: 'ro', src: e.abs, dest: e.abs });
      if (e.type === 'dir') readOnlyDirs.push(e.abs);
    }
  }
  // Already hidden is enough (and a hidden folder is read-only: nothing can be mounted inside it).
  const visible = (p: string) => !hidden.some((h) => inside(h, p));
  for (const p of input.protectedReadOnly) if (visible(p)) ops.push({ op: 'ro', src: p, dest: p });
  for (const p of input.protectedHidden) if (visible(p.path)) ops.push(p.type === 'dir' ? { op: 'hide-dir', dest: p.path } : { op: 'hide-file', dest: p.path });
  for (const s of input.sockets) ops.push({ op: 'rw', src: s, dest: s });
  return ops;
}

/** The bwrap arguments for the operations. */
export function mountArgs(ops: readonly MountOp[]): string[] {
  const args: string[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'ro': args.push('--ro-bind', o.src, o.dest); break;
      case 'rw': args.push('--bind', o.src, o.dest); break;
      case 'tmpfs': args.push('--tmpfs', o.dest); break;
      case 'hide-dir': args.push('--perms', '0555', '--tmpfs', o.dest, '--remount-ro', o.dest); break;
      case 'hide-file': args.push('--ro-bind', '/dev/null', o.dest); break;
      case 'symlink': args.push('--symlink', o.target, o.dest); break;
    }
  }
  return args;
}

/** Namespaces and process settings: no network, own PID namespace, no capabilities, killed with its parent. */
export const ISOLATION_ARGS: readonly string[] = [
  '--unshare-user-try', '--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try',
  '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--proc', '/proc', '--dev', '/dev',
];
