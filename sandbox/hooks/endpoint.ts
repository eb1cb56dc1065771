// The user's stable HTTP hook endpoint: `<state>/hooks/http.json` holds its port and token (folder 0700, file 0600, this
// user's), chosen once and kept, so settings files that point at it stay valid across restarts; and a probe that tells
// Airlock's endpoint from another program on that port without ever sending it the token.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { airlockStateDir } from '../log/paths.js';

export interface HookEndpoint {
  port: number;
  token: string;
  /** The file they were read from (or written to). */
  file: string;
}

/** The environment variable Claude Code fills the `Authorization` header from (listed in the hook's `allowedEnvVars`). */
export const TOKEN_ENV = 'AIRLOCK_HOOK_TOKEN';

/** The probe path: answers an HMAC of a nonce under the token, so a client can tell this endpoint from a squatter. */
export const PROBE_PATH = '/airlock-hooks/probe';

export class EndpointError extends Error {}

export function endpointDir(): string {
  return path.join(airlockStateDir(), 'hooks');
}

export function endpointFile(): string {
  return path.join(endpointDir(), 'http.json');
}

const ownedByUs = (st: fs.Stats) => typeof process.getuid !== 'function' || st.uid === process.getuid();
const closedToOthers = (st: fs.Stats) => typeof process.getuid !== 'function' || (st.mode & 0o077) === 0;

/** The folder, created 0700 if missing; refused when it is a symlink, not ours, or open to others. */
function ensureDir(): string {
  const dir = endpointDir();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw new EndpointError(`${dir} is not a folder (a symlink?); remove it, Airlock creates it again (0700)`);
  if (!ownedByUs(st)) throw new EndpointError(`${dir} belongs to another user; Airlock keeps its hook token only in a folder of yours: remove it`);
  if (!closedToOthers(st)) throw new EndpointError(`${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)}); close it: chmod 700 ${dir}`);
  return dir;
}

export function tokenDigest(token: string, nonce: string): string {
  return crypto.createHmac('sha256', token).update(`airlock-hooks-probe:${nonce}`).digest('hex');
}

/** Reads the endpoint file; undefined when there is none. Throws (naming the file and the fix) when it is unsafe or unreadable. */
export function readEndpoint(): HookEndpoint | undefined {
  const file = endpointFile();
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const dirSt = fs.lstatSync(path.dirname(file));
  if (!dirSt.isDirectory() || !ownedByUs(dirSt) || !closedToOthers(dirSt)) ensureDir(); // throws with the reason
  if (!st.isFile()) throw new EndpointError(`${file} is not a regular file (a symlink?); remove it, Airlock writes a new one`);
  if (!ownedByUs(st)) throw new EndpointError(`${file} belongs to another user; remove it, Airlock writes a new one`);
  if (!closedToOthers(st)) throw new EndpointError(`${file} is readable by other users (mode ${(st.mode & 0o777).toString(8)}), so its token may be known: remove it (a new token and port are made) or, if only you could read it, chmod 600 ${file}`);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new EndpointError(`${file} is not JSON; remove it (a new port and token are made) or run \`airlock hooks serve --port N\``);
  }
  const v = value as { port?: unknown; token?: unknown };
  if (typeof v.port !== 'number' || !Number.isInteger(v.port) || v.port < 1 || v.port > 65535) {
    throw new EndpointError(`${file}: "port" must be a port number (1-65535); fix it with \`airlock hooks serve --port N\``);
  }
  if (typeof v.token !== 'string' || !/^[0-9a-f]{64}$/.test(v.token)) {
    throw new EndpointError(`${file}: "token" must be 64 hex digits; remove the file to make a new token (and put the new one in Claude Code's environment)`);
  }
  return { port: v.port, token: v.token, file };
}

/**
 * Writes the file whole (a temporary file renamed into place). `replace: false` makes a new one only if there is none:
 * two processes making it at once (install and serve) agree on the one that landed first.
 */
function writeEndpoint(port: number, token: string, replace: boolean): HookEndpoint {
  ensureDir();
  const file = endpointFile();
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, `${JSON.stringify({ port, token }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  if (replace) {
    fs.renameSync(tmp, file);
    return { port, token, file };
  }
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readEndpoint()!;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { port, token, file };
}

/** A port nothing listens on at 127.0.0.1 right now (the kernel's choice). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function validPort(text: string): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * The endpoint, made on first need (a free port chosen then, a fresh 256-bit token) and kept. `port` rewrites the port
 * (the token stays): settings that point at the old port must be installed again.
 */
export async function ensureEndpoint(opts: { port?: number } = {}): Promise<{ endpoint: HookEndpoint; created: boolean; previousPort?: number }> {
  const current = readEndpoint();
  if (current && (opts.port === undefined || opts.port === current.port)) return { endpoint: current, created: false };
  if (current) return { endpoint: writeEndpoint(opts.port!, current.token, true), created: false, previousPort: current.port };
  const port = opts.port ?? await freePort();
  const endpoint = writeEndpoint(port, crypto.randomBytes(32).toString('hex'), false);
  return { endpoint, created: endpoint.port === port };
}

/** A new token for the endpoint (same port): after the old one may have leaked, e.g. to an agent that printed its environment. */
export function rotateToken(): HookEndpoint {
  const current = readEndpoint();
  if (!current) throw new EndpointError(`${endpointFile()} does not exist yet: there is no token to rotate (airlock hooks token makes one)`);
  return writeEndpoint(current.port, crypto.randomBytes(32).toString('hex'), true);
}

/**
 * The token a running endpoint checks, read again whenever the file changes (a rotation takes effect at once). A file
 * that becomes unreadable or unsafe refuses every call (a token nobody holds) until it is fixed.
 */
export function tokenSource(endpoint: HookEndpoint): () => string {
  let token = endpoint.token;
  let seen = '';
  return () => {
    let stamp: string;
    try {
      const st = fs.statSync(endpoint.file);
      stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      stamp = 'missing';
    }
    if (stamp === seen) return token;
    seen = stamp;
    try {
      token = readEndpoint()?.token ?? crypto.randomBytes(32).toString('hex');
    } catch {
      token = crypto.randomBytes(32).toString('hex');
    }
    return token;
  };
}

export type ProbeResult = 'ours' | 'other' | 'closed';

/**
 * Who listens on the endpoint's port: Airlock's endpoint with this token ('ours': it proved it knows the token without
 * the token being sent), something else ('other'), or nothing ('closed').
 */
export function probeEndpoint(endpoint: { port: number; token: string }, timeoutMs = 2000): Promise<ProbeResult> {
  const nonce = crypto.randomBytes(16).toString('hex');
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: ProbeResult) => { if (!done) { done = true; resolve(r); } };
    const req = http.request({ host: '127.0.0.1', port: endpoint.port, method: 'GET', path: `${PROBE_PATH}?nonce=${nonce}`, timeout: timeoutMs, headers: { host: `127.0.0.1:${endpoint.port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (body.length < 4096) body += d; });
      res.on('end', () => {
        try {
          const proof = (JSON.parse(body) as { proof?: unknown }).proof;
          const want = tokenDigest(endpoint.token, nonce);
          finish(res.statusCode === 200 && typeof proof === 'string' && proof.length === want.length && crypto.timingSafeEqual(Buffer.from(proof), Buffer.from(want)) ? 'ours' : 'other');
        } catch {
          finish('other');
        }
      });
      res.on('error', () => finish('other'));
    });
    req.on('timeout', () => { req.destroy(); finish('other'); });
    req.on('error', (err: NodeJS.ErrnoException) => finish(err.code === 'ECONNREFUSED' ? 'closed' : 'other'));
    req.end();
  });
}
