// Connects an agent hook (or the MCP server) to the gateway of the `airlock host` serving this workspace, if one runs.
import fs from 'node:fs';
import net from 'node:net';
import { CancellationTokenSource, createMessageConnection, SocketMessageReader, SocketMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import * as P from '../protocol/protocol.js';
import type { ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';
import type { z } from 'zod';
import type { Action } from '../policy/types.js';
import { gatewayFiles } from './paths.js';

export interface GatewayClient {
  /** The harness's workspace and session. */
  readonly workspaceRoot: string;
  readonly session: string;
  /** Judge (pre) or record (post) one agent tool call in the harness. */
  hook(params: P.GatewayHookParams, signal?: AbortSignal): Promise<P.GatewayHookResult>;
  /** Ask the editor a bare approval question; a failure or no answer is deny. */
  ask(request: ApprovalRequest, signal?: AbortSignal): Promise<ApprovalAnswer>;
  close(): void;
}

export type { GatewayHookResult } from '../protocol/protocol.js';

export { findGatewayRoot } from './paths.js';

/** null when no host serves this workspace (no socket, a stale one, a token that is not ours, or no answer in time). */
export async function connectGateway(workspaceRoot: string, opts: { timeoutMs?: number; client?: 'hook' | 'mcp' } = {}): Promise<GatewayClient | null> {
  const files = gatewayFiles(workspaceRoot);
  let token: string;
  try {
    const st = fs.statSync(files.token);
    // Only a token file this user owns and nobody else can read counts.
    if (typeof process.getuid === 'function' && (st.uid !== process.getuid() || (st.mode & 0o077) !== 0)) return null;
    token = fs.readFileSync(files.token, 'utf8').trim();
    if (!fs.statSync(files.socket).isSocket()) return null;
  } catch {
    return null;
  }
  const timeoutMs = opts.timeoutMs ?? 1000;
  const socket = await new Promise<net.Socket | null>((resolve) => {
    const s = net.createConnection(files.socket);
    const timer = setTimeout(() => { s.destroy(); resolve(null); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); resolve(s); });
    s.once('error', () => { clearTimeout(timer); resolve(null); });
  });
  if (!socket) return null;
  const connection: MessageConnection = createMessageConnection(new SocketMessageReader(socket), new SocketMessageWriter(socket));
  connection.onError(() => undefined);
  connection.listen();
  let hello: P.GatewayHelloResult;
  try {
    hello = await withTimeout(connection.sendRequest(P.gatewayHello, { token, client: opts.client ?? 'hook', pid: process.pid }), timeoutMs);
  } catch {
    connection.dispose();
    socket.destroy();
    return null;
  }
  // One promise for the connection's end, shared by every request (not a listener per request).
  const closed = new Promise<never>((_r, reject) => socket.once('close', () => reject(new Error('the gateway closed the connection'))));
  closed.catch(() => undefined);
  const request = async <R>(method: string, params: unknown, signal?: AbortSignal): Promise<R> => {
    const cancel = new CancellationTokenSource();
    const onAbort = () => cancel.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await Promise.race([connection.sendRequest(method, params, cancel.token) as Promise<R>, closed]);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      cancel.dispose();
    }
  };
  return {
    workspaceRoot: hello.workspaceRoot,
    session: hello.session,
    hook: (params, signal) => request<P.GatewayHookResult>(P.gatewayHook.method, params, signal),
    async ask(req, signal) {
      try {
        const raw = await request<unknown>(P.gatewayAsk.method, { request: req }, signal);
        const parsed = P.ApprovalAnswerSchema.safeParse(raw);
        return parsed.success ? parsed.data : { answer: 'deny' };
      } catch {
        return { answer: 'deny' };
      }
    },
    close() {
      connection.dispose();
      socket.destroy();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); })]).finally(() => clearTimeout(timer));
}

/** An action as the gateway carries it (plain arrays; what a guard resolved, such as a program, is the harness's own). */
export function wireAction(a: Action): z.input<typeof P.PolicyActionSchema> {
  switch (a.kind) {
    case 'exec': return { kind: 'exec', argv: [...a.argv], ...(a.cwd !== undefined ? { cwd: a.cwd } : {}) };
    case 'tool': return { kind: 'tool', tool: a.tool, ...(a.args ? { args: a.args.slice(0, 64).map((s) => s.slice(0, 4096)) } : {}) };
    case 'net.fetch': return { kind: 'net.fetch', url: a.url, ...(a.method ? { method: a.method } : {}) };
    default: return { kind: a.kind, path: a.path };
  }
}
