// Claude Code's `type: "http"` hook: a loopback HTTP endpoint that answers each hook call through answerHook, as the
// command hook does, and turns the command hook's exit codes into the 2xx JSON answers an HTTP hook must give.
import crypto from 'node:crypto';
import http from 'node:http';
import type net from 'node:net';
import type { AgentName, HookOutput } from './agents.js';
import { isAgentName } from './agents.js';
import { answerHook, type AnswerOptions } from './answer.js';
import { PROBE_PATH, TOKEN_ENV, tokenDigest } from './endpoint.js';
import { keepSessionLogsOpen } from './local.js';
import { PolicyCache } from './policyCache.js';

/** Hook bodies above this are refused (413), as the command hook refuses such stdin. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Agents whose hooks can be HTTP. VS Code's agent hooks are `type: "command"` only (hooks-reference.md); the others run commands. */
export const HTTP_AGENTS: readonly AgentName[] = ['claude-code'];

export type HookAnswerer = (agent: string, text: string, opts: AnswerOptions) => Promise<HookOutput>;

export interface HookHttpOptions {
  /** The bearer token every hook call must carry (`Authorization: Bearer <token>`), or where to get it per request. */
  token: string | (() => string);
  /** How a hook input is answered (default: answerHook, the command hook's own code). */
  answer?: HookAnswerer;
}

export interface ServeHookHttpOptions extends HookHttpOptions {
  /** Loopback only: 127.0.0.1 (default). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
}

export interface HookHttpServer {
  port: number;
  close(): Promise<void>;
}

interface Reply { status: number; body: string; headers?: Record<string, string> }

const json = (v: unknown) => `${JSON.stringify(v)}\n`;
const refusal = (status: number, message: string, headers?: Record<string, string>): Reply => ({ status, body: json({ error: message }), headers: { 'content-type': 'application/json', ...headers } });

const currentToken = (opts: HookHttpOptions) => (typeof opts.token === 'function' ? opts.token() : opts.token);

function tokenMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  // Digests first: equal lengths for timingSafeEqual, and no early exit on the first differing byte.
  const a = crypto.hash('sha256', m[1]!, 'buffer');
  const b = crypto.hash('sha256', token, 'buffer');
  return crypto.timingSafeEqual(a, b);
}

/** The hook event a body names, when it can be read: which shape a failure must take. */
function eventOf(text: string, query: string | null): 'pre' | 'post' {
  try {
    const name = (JSON.parse(text) as { hook_event_name?: unknown }).hook_event_name;
    if (name === 'PreToolUse') return 'pre';
    if (name === 'PostToolUse' || name === 'PostToolUseFailure') return 'post';
  } catch {
    // Not JSON: the URL's ?event= says, else the stricter shape.
  }
  return query === 'post' ? 'post' : 'pre';
}

/**
 * The command hook's answer as an HTTP answer Claude Code reads. Over HTTP there are no exit codes, and a non-2xx, a
 * body that is not a JSON object, a timeout or a refused connection are non-blocking errors (the call goes ahead unless
 * the hook has onFailure: "block"), so every failure is a 200 with a deny in the body, never an error status.
 */
export function toHttpAnswer(out: HookOutput, event: 'pre' | 'post'): Reply {
  if (out.exit === 0) {
    const text = out.stdout.trim();
    // An empty 200 is no decision to Claude Code (the call runs): only a post-tool call may be answered with nothing.
    if (text === '' && event === 'post') return { status: 200, body: '' };
    let v: unknown;
    try {
      v = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Falls through to the deny below: an answer Airlock cannot vouch for is not an allow.
    }
    if (v && typeof v === 'object' && !Array.isArray(v)) return { status: 200, body: `${text}\n`, headers: { 'content-type': 'application/json' } };
  }
  const reason = out.stderr.trim() || 'Airlock refused this tool call: the hook gave no answer it could read. Airlock fails closed.';
  // A post-tool call already ran: nothing to block, only to tell the user the outcome was not logged.
  const body = event === 'post'
    ? { systemMessage: reason }
    : { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
  return { status: 200, body: json(body), headers: { 'content-type': 'application/json' } };
}

function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** Reads the body up to the cap; undefined when it is larger (the caller answers 413). */
function readBody(req: http.IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > MAX_BODY_BYTES) { over = true; chunks.length = 0; resolve(undefined); return; }
      chunks.push(c);
    });
    let ended = false;
    req.on('end', () => { ended = true; if (!over) resolve(Buffer.concat(chunks).toString('utf8')); });
    req.on('error', reject);
    req.on('close', () => { if (!ended && !over) reject(new Error('the client went away before the whole hook input arrived')); });
  });
}

async function handle(req: http.IncomingMessage, opts: HookHttpOptions): Promise<Reply> {
  const port = (req.socket as net.Socket).localPort ?? 0;
  // A web page the user visits can reach 127.0.0.1: browsers send Origin (and a rebound name in Host); Claude Code sends neither.
  if (req.headers.origin !== undefined) return refusal(403, 'cross-origin requests are refused: this endpoint is for Claude Code\'s hooks only');
  if (!hostAllowed(req.headers.host, port)) return refusal(403, `the Host header must be 127.0.0.1:${port} or localhost:${port}`);
  const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
  if (url.pathname === PROBE_PATH) {
    if (req.method !== 'GET') return refusal(405, 'use GET', { allow: 'GET' });
    const nonce = url.searchParams.get('nonce') ?? '';
    if (!/^[0-9a-f]{16,64}$/.test(nonce)) return refusal(400, 'nonce: 16 to 64 hex digits');
    return { status: 200, body: json({ service: 'airlock-hooks', proof: tokenDigest(currentToken(opts), nonce) }), headers: { 'content-type': 'application/json' } };
  }
  const m = /^\/hooks\/([a-z-]+)$/.exec(url.pathname);
  if (!m) return refusal(404, 'not found: Claude Code\'s hooks POST to /hooks/claude-code');
  if (req.method !== 'POST') return refusal(405, 'hook calls are POST requests', { allow: 'POST' });
  if (!tokenMatches(req.headers.authorization, currentToken(opts))) {
    return refusal(401, `missing or wrong token: Claude Code must send Authorization: Bearer $${TOKEN_ENV} (set it from \`airlock hooks token\`)`, { 'www-authenticate': 'Bearer realm="airlock-hooks"' });
  }
  const agent = m[1]!;
  if (!isAgentName(agent) || !HTTP_AGENTS.includes(agent)) {
    return refusal(404, `${JSON.stringify(agent)} cannot use an HTTP hook: only ${HTTP_AGENTS.join(', ')} can (VS Code, Copilot, Codex, Gemini CLI and Cursor run command hooks: airlock hooks install --agent <name>)`);
  }
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) return refusal(413, `the hook input is larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
  const text = await readBody(req);
  if (text === undefined) return refusal(413, `the hook input is larger than ${MAX_BODY_BYTES} bytes`, { connection: 'close' });
  const q = url.searchParams.get('event');
  const event = q === 'pre' || q === 'post' ? q : undefined;
  const answer = opts.answer ?? answerHook;
  let out: HookOutput;
  try {
    out = await answer(agent, text, event ? { event } : {});
  } catch (err) {
    out = { stdout: '', stderr: `Airlock refused this tool call: the hook crashed (${err instanceof Error ? err.message : String(err)}). Airlock fails closed.`, exit: 2 };
  }
  return toHttpAnswer(out, eventOf(text, event ?? null));
}

/**
 * The request listener, for mounting on a server of one's own: a TCP server on 127.0.0.1 (the Host check reads the port
 * from the connection a request came in on).
 */
export function hookRequestListener(opts: HookHttpOptions): http.RequestListener {
  return (req, res) => {
    handle(req, opts).then((r) => {
      res.writeHead(r.status, { 'cache-control': 'no-store', ...(r.body ? {} : { 'content-length': '0' }), ...r.headers });
      res.end(r.body);
    }, (err: unknown) => {
      // handle() does not throw; if it ever does, the answer is still a deny, never an allow.
      const r = toHttpAnswer({ stdout: '', stderr: `Airlock refused this tool call: the endpoint failed (${err instanceof Error ? err.message : String(err)}).`, exit: 2 }, 'pre');
      if (!res.headersSent) res.writeHead(r.status, r.headers);
      res.end(r.body);
    });
  };
}

/** Serves Claude Code's HTTP hooks on a loopback port until close(). Rejects (EADDRINUSE …) when it cannot listen. */
export function serveHookHttp(opts: ServeHookHttpOptions): Promise<HookHttpServer> {
  const host = opts.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost') return Promise.reject(new Error(`the hook endpoint listens on loopback only (127.0.0.1), not ${host}`));
  const server = http.createServer(hookRequestListener(opts));
  // The request must arrive within a minute; the answer may then wait for the editor up to the policy's approval timeout.
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

/**
 * The endpoint as `airlock hooks serve` runs it: policies kept while their files are unchanged and sessions' logs kept
 * open between calls (each decision fsynced before its answer; signed when the session idles or the endpoint closes).
 */
export async function serveHookEndpoint(opts: Omit<ServeHookHttpOptions, 'answer'>): Promise<{ port: number; close(): Promise<void> }> {
  const cache = new PolicyCache();
  const logs = keepSessionLogsOpen();
  try {
    const server = await serveHookHttp({ ...opts, answer: (agent, text, o) => answerHook(agent, text, { ...o, loadPolicy: (root) => cache.load(root) }) });
    return { port: server.port, close: async () => { await server.close(); logs.closeAll(); } };
  } catch (err) {
    logs.closeAll();
    throw err;
  }
}
