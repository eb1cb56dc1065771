// Where logs, keys and heads live: outside the workspace by default, in the user's state directory.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { airlockStateDir } from './stateDir.js';

export { airlockStateDir };

export function defaultKeyDir(): string {
  return path.join(airlockStateDir(), 'keys');
}

/** The workspace's real path (symlinks resolved, when it exists) and a short id of it: the first 16 hex digits of its hash. */
export function workspaceId(workspaceRoot: string): { real: string; id: string } {
  let real: string;
  try {
    real = fs.realpathSync(workspaceRoot);
  } catch {
    real = path.resolve(workspaceRoot);
  }
  return { real, id: crypto.hash('sha256', real, 'hex').slice(0, 16) };
}

/** A per-workspace folder in the state directory, so an agent that can write the workspace cannot touch its logs. */
export function defaultLogDir(workspaceRoot: string): string {
  const { real, id } = workspaceId(workspaceRoot);
  const name = path.basename(real).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return path.join(airlockStateDir(), 'logs', `${id}-${name}`);
}

/** One file per session (`<ISO time>-<session>.jsonl`), so concurrent sessions never share a chain. */
export function sessionLogFile(logDir: string, session: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const safe = session.replace(/[^A-Za-z0-9._-]/g, '_');
  return path.join(logDir, `${stamp}-${safe}.jsonl`);
}

/** The latest head of a log, kept apart from it so a cut at a line boundary is still noticed. */
export function headFileOf(logFile: string): string {
  return `${logFile}.head`;
}

export function lockFileOf(logFile: string): string {
  return `${logFile}.lock`;
}

/**
 * Airlock's own state an agent may neither read nor change: the whole state directory (every log, head and key), plus
 * the log and key directories in use wherever they were put. The one list the harness, scripted sessions and
 * `airlock policy explain` all protect, so explain and the runtime agree.
 */
export function airlockProtectedPaths(opts: { logDir?: string | undefined; keyDir?: string | undefined } = {}): string[] {
  const paths = [airlockStateDir(), opts.logDir, opts.keyDir ?? defaultKeyDir()].filter((p): p is string => p !== undefined).map((p) => path.resolve(p));
  return [...new Set(paths)];
}
