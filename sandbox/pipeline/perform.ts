// Performs an already-authorised request through the guard made for it, and says what to record: digests, never contents.
import type { Limits } from '../policy/schema.js';
import type { Authorize } from '../guards/types.js';
import { FsGuard } from '../guards/fs.js';
import { guardedFetch } from '../guards/net.js';
import { guardedExec } from '../guards/exec.js';
import type { ConfineSettings } from '../confine/bwrap.js';
import { digest } from '../log/writer.js';
import { normalisePath } from '../policy/paths.js';
import type { ActionRequest } from './types.js';

export interface PerformContext {
  root: string;
  /** The home directory the policy expands `~/` against: the guard must act on the very path that was decided. */
  homeDir: string;
  limits: Limits;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  authorize: Authorize;
  /** How commands are confined (built by the Enforcer from the layered policy, the task and its grants). */
  confine: ConfineSettings | 'off';
}

export interface Performed {
  /** What the agent gets back. */
  value: unknown;
  /** Digests of the contents involved (what was read, written, fetched, printed), for the log. */
  digests: Record<string, string>;
  /** Facts worth logging that are not contents (sizes, real paths, status codes, the resolved program). */
  data: Record<string, unknown>;
}

export async function performAction(req: ActionRequest, ctx: PerformContext): Promise<Performed> {
  const fs = () => new FsGuard({ root: ctx.root, maxFileBytes: ctx.limits.maxFileBytes, authorize: ctx.authorize });
  // The path exactly as the policy normalised it (`~/` expanded, `..` removed): the guard never reinterprets what
  // was decided (left as written, `~/../.env` was decided outside the workspace but opened inside it).
  const decided = (p: string): string => normalisePath(ctx.root, ctx.homeDir, p).abs;
  switch (req.action) {
    case 'fs.read': {
      const r = await fs().readFile(decided(req.path), req.encoding ?? 'utf8');
      return { value: r.data, digests: { content: digest(r.data) }, data: { bytes: r.bytes, realPath: r.realPath } };
    }
    case 'fs.write': {
      const r = await fs().writeFile(decided(req.path), req.content, req.encoding ?? 'utf8');
      return { value: { bytes: r.bytes, created: r.created }, digests: { content: digest(req.content) }, data: { bytes: r.bytes, realPath: r.realPath, created: r.created } };
    }
    case 'fs.list': {
      const r = await fs().list(decided(req.path));
      return { value: r.entries, digests: {}, data: { entries: r.entries.length, realPath: r.realPath } };
    }
    case 'fs.stat': {
      const r = await fs().stat(decided(req.path));
      const { realPath, ...stat } = r;
      return { value: stat, digests: {}, data: { realPath } };
    }
    case 'fs.delete': {
      const r = await fs().delete(decided(req.path), { recursive: req.recursive ?? false });
      return { value: { removed: r.removed }, digests: {}, data: { removed: r.removed, realPath: r.realPath } };
    }
    case 'fs.mkdir': {
      const r = await fs().mkdir(decided(req.path));
      return { value: { created: r.created }, digests: {}, data: { realPath: r.realPath, created: r.created } };
    }
    case 'net.fetch': {
      const r = await guardedFetch(
        { url: req.url, ...(req.method ? { method: req.method } : {}), ...(req.headers ? { headers: req.headers } : {}), ...(req.body !== undefined ? { body: req.body } : {}) },
        { authorize: ctx.authorize, maxBytes: ctx.limits.maxFetchBytes, timeoutMs: ctx.limits.wallMs, signal: ctx.signal },
      );
      return {
        value: { status: r.status, headers: r.headers, body: r.body, bodyEncoding: r.bodyEncoding, url: r.url },
        digests: { body: digest(r.body), ...(req.body !== undefined ? { requestBody: digest(req.body) } : {}) },
        data: { status: r.status, bytes: r.bytes, address: r.address, redirects: r.redirects, requestHeaders: req.headers ?? {} },
      };
    }
    case 'exec': {
      const r = await guardedExec(
        { argv: req.argv, ...(req.cwd ? { cwd: req.cwd } : {}), ...(req.timeoutMs ? { timeoutMs: req.timeoutMs } : {}), ...(req.input !== undefined ? { input: req.input } : {}) },
        { root: ctx.root, authorize: ctx.authorize, maxOutputBytes: ctx.limits.maxExecOutputBytes, defaultTimeoutMs: ctx.limits.wallMs, env: ctx.env, signal: ctx.signal, confine: ctx.confine },
      );
      return {
        value: { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, ...(r.signal ? { signal: r.signal } : {}), ...(r.truncated ? { truncated: true } : {}), ...(r.timedOut ? { timedOut: true } : {}) },
        digests: { stdout: digest(r.stdout), stderr: digest(r.stderr) },
        data: { program: r.program, exitCode: r.exitCode, signal: r.signal, truncated: r.truncated, timedOut: r.timedOut, killed: r.killed, confinement: r.confinement },
      };
    }
  }
}
