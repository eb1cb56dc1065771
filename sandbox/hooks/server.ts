// The per-user hook server: a long-lived process that answers the thin hook client's inputs in-process through
// answerHook (policies cached while their files are unchanged), on a 0600 Unix socket in a 0700 folder of the state
// directory; it leaves after its idle time and removes only its own socket.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { answerHook } from './answer.js';
import { keepSessionLogsOpen } from './local.js';
import { DEFAULT_IDLE_MINUTES, exchange, hookInfoPath, hookServerId, MAX_INPUT_BYTES, MAX_REQUEST_BYTES, privateDir, type HookServerStatus } from './hookd.js';
import { formatFailure, isAgentName } from './output.js';
import { PolicyCache } from './policyCache.js';

/** How long a client may take to send its request. */
const REQUEST_TIMEOUT_MS = 10_000;

export interface HookServerOptions {
  socketPath: string;
  /** Leave after this long without a call (default 30 minutes). */
  idleMs?: number;
  /** The build and environment served (shown by status). */
  id?: string;
}

export interface HookServer {
  socketPath: string;
  status(): HookServerStatus;
  /** Counts as activity for the idle time (for another listener mounted in this process, e.g. an HTTP endpoint). */
  touch(): void;
  /** Stops listening, removes its own socket, and resolves once the calls under way are answered. */
  close(): Promise<void>;
  /** Resolves when the server has closed (idle, stopped, or its socket taken over). */
  closed: Promise<void>;
}

/** Another server already answers on this socket. */
export class HookServerRunning extends Error {}

function listen(server: net.Server, socketPath: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const oldMask = process.umask(0o177);
    const onError = (err: Error) => { process.umask(oldMask); reject(err); };
    server.once('error', onError);
    server.listen(socketPath, () => { process.umask(oldMask); server.off('error', onError); resolve(); });
  });
}

/** Listens on `socketPath`: a live server there wins (HookServerRunning); a dead server's socket file is replaced. */
async function claim(server: net.Server, socketPath: string): Promise<void> {
  try {
    await listen(server, socketPath);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
  }
  const probe = await exchange(socketPath, { v: 1, op: 'status' }, 2000);
  if (probe.kind !== 'unavailable' || probe.code !== 'ECONNREFUSED') throw new HookServerRunning(`a hook server already answers on ${socketPath}`);
  // Refused: the file of a server that died. Only a socket file is removed, never anything else at that path.
  if (!fs.lstatSync(socketPath).isSocket()) throw new Error(`${socketPath} is not a socket; remove it`);
  fs.unlinkSync(socketPath);
  await listen(server, socketPath);
}

export async function startHookServer(opts: HookServerOptions): Promise<HookServer> {
  const idleMs = opts.idleMs ?? DEFAULT_IDLE_MINUTES * 60_000;
  const cache = new PolicyCache();
  const sockets = new Set<net.Socket>();
  let active = 0;
  let calls = 0;
  let last = Date.now();
  const started = Date.now();

  // Half-open: the client ends its side once the request is sent, and still reads the answer.
  const server = net.createServer({ allowHalfOpen: true }, (conn) => {
    sockets.add(conn);
    active++;
    last = Date.now();
    const finish = () => {
      if (!sockets.delete(conn)) return;
      active--;
      last = Date.now();
    };
    conn.on('close', finish);
    conn.on('error', () => conn.destroy());
    conn.setTimeout(REQUEST_TIMEOUT_MS, () => conn.destroy());
    const chunks: Buffer[] = [];
    let size = 0;
    let handled = false;
    conn.on('data', (c: Buffer) => {
      if (handled) return;
      const nl = c.indexOf(0x0a);
      size += nl === -1 ? c.length : nl;
      if (size > MAX_REQUEST_BYTES) { conn.destroy(); return; }
      chunks.push(nl === -1 ? c : c.subarray(0, nl));
      if (nl === -1) return;
      handled = true;
      conn.setTimeout(0);
      void respond(conn, Buffer.concat(chunks).toString('utf8'));
    });
  });

  const respond = async (conn: net.Socket, line: string) => {
    let answer: unknown;
    let req: Record<string, unknown> = {};
    try {
      req = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // answered below as a malformed request
    }
    if (req['v'] === 1 && req['op'] === 'hook' && typeof req['agent'] === 'string' && typeof req['input'] === 'string'
      && Number.isSafeInteger(req['parentPid']) && (req['parentPid'] as number) > 0
      && (req['event'] === undefined || req['event'] === 'pre' || req['event'] === 'post')) {
      calls++;
      const input = req['input'];
      const agent = req['agent'];
      answer = Buffer.byteLength(input) > MAX_INPUT_BYTES
        ? formatFailure(isAgentName(agent) ? agent : undefined, `the hook input is larger than ${MAX_INPUT_BYTES} bytes`)
        : await answerHook(req['agent'], input, {
          parentPid: req['parentPid'] as number, loadPolicy: (root) => cache.load(root),
          ...(req['event'] ? { event: req['event'] as 'pre' | 'post' } : {}),
        });
    } else if (req['v'] === 1 && req['op'] === 'status') {
      answer = status();
    } else if (req['v'] === 1 && req['op'] === 'stop') {
      answer = { stopping: true, pid: process.pid };
      setImmediate(() => void close());
    } else {
      answer = { error: 'not a hook server request' };
    }
    if (!conn.destroyed) conn.end(`${JSON.stringify(answer)}\n`);
  };

  await claim(server, opts.socketPath);
  fs.chmodSync(opts.socketPath, 0o600);
  const ours = fs.statSync(opts.socketPath).ino;
  const stillOurs = () => {
    try {
      return fs.statSync(opts.socketPath).ino === ours;
    } catch {
      return false;
    }
  };

  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(tick);
      // Only our own socket: a newer server may have replaced it.
      if (stillOurs()) fs.rmSync(opts.socketPath, { force: true });
      server.close(() => { resolveClosed(); resolve(); });
    });
    return closing;
  };
  const status = (): HookServerStatus => ({
    pid: process.pid, id: opts.id ?? path.basename(opts.socketPath, '.sock'), socket: opts.socketPath, idleMs, started, calls,
    policyLoads: cache.loads, policyCacheHits: cache.hits,
  });
  // Idle long enough, or the socket is no longer ours (removed, or taken by another server): leave.
  const tick = setInterval(() => {
    if (!stillOurs() || (active === 0 && Date.now() - last >= idleMs)) void close();
  }, Math.max(100, Math.min(idleMs / 4, 15_000)));

  return { socketPath: opts.socketPath, status, touch: () => { last = Date.now(); }, close, closed };
}

/**
 * The detached server process (`node dist/hook.js --serve <id> <socket>`, `bundleFile` the hook bundle): listens, records itself in `<id>.json` next
 * to the socket, and exits when idle or stopped; quietly when another server already answers.
 */
export async function runHookServer(id: string, socketPath: string, bundleFile: string): Promise<void> {
  // Started by a client of another build or environment (a race with an update): not the server it asked for.
  if (hookServerId(bundleFile) !== id) process.exit(0);
  const minutes = Number(process.env['AIRLOCK_HOOK_SERVER_IDLE'] ?? DEFAULT_IDLE_MINUTES);
  const idleMs = Math.round((Number.isFinite(minutes) && minutes > 0 ? minutes : DEFAULT_IDLE_MINUTES) * 60_000);
  // The state directory went away between the call that started us and now (a removed test folder, a reset): there is
  // nobody left to serve, and making it again would only leave a server behind.
  if (!fs.existsSync(path.dirname(path.dirname(socketPath)))) process.exit(0);
  // A watchdog apart from the server's own idle check: once the socket file is gone for two checks in a row (removed,
  // or never made), nobody can reach this process; it leaves even if the server is stuck starting or closing.
  let missing = 0;
  setInterval(() => {
    missing = fs.existsSync(socketPath) ? 0 : missing + 1;
    if (missing >= 2) process.exit(0);
  }, 15_000);
  if (!privateDir(path.dirname(socketPath), true)) {
    process.stderr.write(`airlock hook server: ${path.dirname(socketPath)} is not a folder of this user's closed to others (0700); not starting\n`);
    process.exit(1);
  }
  let server: HookServer;
  try {
    server = await startHookServer({ socketPath, idleMs, id });
  } catch (err) {
    if (err instanceof HookServerRunning) process.exit(0);
    process.stderr.write(`airlock hook server: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const info = hookInfoPath(socketPath);
  const tmp = `${info}.${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(server.status()), { mode: 0o600 });
  fs.renameSync(tmp, info);
  // Sessions' logs stay open between their calls (each decision fsynced before its answer); closed and signed when idle.
  const logs = keepSessionLogsOpen();
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void server.close());
  await server.closed;
  logs.closeAll();
  try {
    if ((JSON.parse(fs.readFileSync(info, 'utf8')) as { pid?: number }).pid === process.pid) fs.rmSync(info, { force: true });
  } catch {
    // Gone or replaced: not ours to remove.
  }
  process.exit(0);
}
