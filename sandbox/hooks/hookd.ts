// The hook server's rendezvous, shared by the thin hook client, the server and `airlock hooks server` (node: builtins
// only): where its socket is, which build and environment a server serves, and the one-line JSON exchange on it.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { airlockStateDir } from '../log/stateDir.js';

/** The largest hook input, as the command hook reads it from stdin. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** A request line: the input JSON-escaped (at most 6 bytes per byte) and the envelope. */
export const MAX_REQUEST_BYTES = 6 * MAX_INPUT_BYTES + 4096;
export const DEFAULT_IDLE_MINUTES = 30;
/**
 * How long a client waits for the server's answer before it denies: just under the 120 s agents are told to wait for
 * the hook (install.ts TIMEOUT_S), so a hung server is a deny from Airlock, not a timeout an agent might let through.
 */
export const CLIENT_DEADLINE_MS = 115_000;
/** Unix socket paths are limited to 108 bytes on Linux (104 on macOS). */
const MAX_SOCKET_PATH = 100;

export type HookRequest =
  | { v: 1; op: 'hook'; agent: string; event?: 'pre' | 'post'; parentPid: number; input: string }
  | { v: 1; op: 'status' }
  | { v: 1; op: 'stop' };

export interface HookServerStatus {
  pid: number;
  /** The build and environment it serves (the socket's name). */
  id: string;
  socket: string;
  idleMs: number;
  started: number;
  calls: number;
  policyLoads: number;
  policyCacheHits: number;
}

/** `<state>/hookd`: the hook servers' sockets and their info files. */
export function hookServerDir(): string {
  return path.join(airlockStateDir(), 'hookd');
}

/** A folder this user owns and nobody else may enter (0700, not a symlink), created so when asked; else false. */
export function privateDir(dir: string, create: boolean): boolean {
  try {
    if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    if (!st.isDirectory()) return false;
    return typeof process.getuid !== 'function' || (st.uid === process.getuid() && (st.mode & 0o077) === 0);
  } catch {
    return false;
  }
}

/** The variables a decision depends on besides the files: a server answers only clients that share them. */
function decisionEnvironment(): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if ((k.startsWith('AIRLOCK_') && !k.startsWith('AIRLOCK_HOOK_SERVER')) || k === 'HOME' || k === 'USERPROFILE' || k.startsWith('XDG_')) env[k] = v;
  }
  // A plain code-unit order: localeCompare would load ICU's collator (10–50 ms of a hook's start).
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

declare const __AIRLOCK_HOOK_BUILD__: string | undefined;
/** The build's id, which scripts/build.mjs writes into both hook bundles (dist/hook.js, dist/hook-main.js); none from the sources. */
export const HOOK_BUILD: string | undefined = typeof __AIRLOCK_HOOK_BUILD__ === 'string' ? __AIRLOCK_HOOK_BUILD__ : undefined;

/**
 * Which server a client may talk to: the build (its id, or from the sources the bundle file's path, size, time and
 * inode), the Node that runs it and the decision environment, so an updated Airlock, another Node or another baseline
 * never meets an old server.
 */
export function hookServerId(bundleFile: string): string {
  let build: unknown = HOOK_BUILD;
  if (build === undefined) {
    try {
      const st = fs.statSync(bundleFile);
      build = [bundleFile, st.size, st.mtimeMs, st.ino];
    } catch {
      build = `${process.pid}:${Date.now()}:${Math.random()}`; // no bundle: never shared
    }
  }
  return digest64(JSON.stringify({ v: 1, build, node: process.execPath, version: process.version, env: decisionEnvironment() }));
}

/**
 * 64 bits of two FNV-1a-style 32-bit hashes, as 16 hex digits: tells builds and environments apart without loading
 * node:crypto (10–15 ms of a hook's start). Not a secret and no defence: the socket's folder and owner are.
 */
function digest64(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** The socket of the server with this id, or undefined when its path would be too long for a Unix socket. */
export function hookSocketPath(id: string, dir = hookServerDir()): string | undefined {
  const socket = path.join(dir, `${id}.sock`);
  return Buffer.byteLength(socket) <= MAX_SOCKET_PATH ? socket : undefined;
}

export function hookInfoPath(socket: string): string {
  return socket.replace(/\.sock$/, '.json');
}

/** A socket file this user owns (what a client connects to: never a file another user could have put there). */
export function ownSocket(socket: string): boolean {
  try {
    const st = fs.lstatSync(socket);
    return st.isSocket() && (typeof process.getuid !== 'function' || st.uid === process.getuid());
  } catch {
    return false;
  }
}

export type Exchange =
  | { kind: 'answer'; value: unknown }
  /** Nothing was sent: no server listens there (ENOENT, ECONNREFUSED, ...). */
  | { kind: 'unavailable'; code: string }
  /** The request may have reached the server, and no whole answer came back. */
  | { kind: 'broken'; reason: string };

/** Sends one request line and reads one answer line; a connection that breaks after connecting is `broken`, never retried. */
export function exchange(socket: string, request: HookRequest, timeoutMs?: number): Promise<Exchange> {
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (r: Exchange) => {
      if (settled) return;
      settled = true;
      conn.destroy();
      resolve(r);
    };
    const conn = net.createConnection(socket, () => {
      connected = true;
      conn.end(`${JSON.stringify(request)}\n`);
    });
    if (timeoutMs !== undefined) conn.setTimeout(timeoutMs, () => done(connected ? { kind: 'broken', reason: `no answer within ${Math.round(timeoutMs / 1000)} s` } : { kind: 'unavailable', code: 'ETIMEDOUT' }));
    conn.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_REQUEST_BYTES) done({ kind: 'broken', reason: 'the answer is too large' });
      else chunks.push(c);
    });
    conn.on('error', (err: NodeJS.ErrnoException) => done(connected ? { kind: 'broken', reason: err.message } : { kind: 'unavailable', code: err.code ?? 'ERROR' }));
    conn.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const line = text.endsWith('\n') ? text.slice(0, -1) : undefined;
      if (line === undefined || line.includes('\n')) { done({ kind: 'broken', reason: 'the hook server closed the connection before it answered' }); return; }
      try {
        done({ kind: 'answer', value: JSON.parse(line) as unknown });
      } catch {
        done({ kind: 'broken', reason: 'the hook server\'s answer is not JSON' });
      }
    });
  });
}

/** The hook servers this user runs under this state directory: each socket asked for its status (`airlock hooks server`). */
export async function listHookServers(dir = hookServerDir()): Promise<Array<{ socket: string; status?: HookServerStatus; problem?: string }>> {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.sock')).sort();
  } catch {
    return [];
  }
  if (!privateDir(dir, false)) return names.map((n) => ({ socket: path.join(dir, n), problem: `${dir} is open to other users: hook clients do not use it` }));
  return Promise.all(names.map(async (n) => {
    const socket = path.join(dir, n);
    if (!ownSocket(socket)) return { socket, problem: 'not a socket of this user\'s' };
    const r = await exchange(socket, { v: 1, op: 'status' }, 2000);
    if (r.kind === 'answer') return { socket, status: r.value as HookServerStatus };
    return { socket, problem: r.kind === 'unavailable' ? `no server answers (${r.code}); the next hook call replaces it` : r.reason };
  }));
}

/** Asks every running hook server to stop (they finish the calls under way); returns the pids that said yes. */
export async function stopHookServers(dir = hookServerDir()): Promise<number[]> {
  const pids: number[] = [];
  for (const s of await listHookServers(dir)) {
    if (!s.status) continue;
    const r = await exchange(s.socket, { v: 1, op: 'stop' }, 2000);
    if (r.kind === 'answer') pids.push(s.status.pid);
  }
  return pids;
}
