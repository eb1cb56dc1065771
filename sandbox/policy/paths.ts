// Path normalisation: what the agent wrote → one absolute path and its workspace-relative posix form (null if outside).
import path from 'node:path';
import { AirlockError } from '../errors.js';

export interface NormalisedPath {
  /** Absolute path, `..` and `.` resolved, duplicate slashes collapsed, no trailing slash. */
  abs: string;
  /** Workspace-relative posix path (`.` for the root itself), or null when the path is outside the workspace. */
  rel: string | null;
}

export interface PathOptions {
  /** Compare case-insensitively (darwin and win32 file systems). Defaults to the running platform. */
  caseInsensitive?: boolean;
}

export const PLATFORM_CASE_INSENSITIVE = process.platform === 'darwin' || process.platform === 'win32';

/** Posix form of a platform path, so globs written with `/` match on every platform. */
export function toPosix(p: string): string {
  return path.sep === '\\' ? p.split('\\').join('/') : p;
}

/**
 * Normalise a path the agent wrote (workspace-relative, absolute, or `~`/`~/x` for the home directory).
 * Symlinks are not resolved here (this module does no I/O); the fs guard resolves them and decides again on the real path.
 * Idempotent: normalising `abs` again gives the same result.
 */
export function normalisePath(workspaceRoot: string, homeDir: string, p: string, opts: PathOptions = {}): NormalisedPath {
  if (typeof p !== 'string' || p === '') {
    throw new AirlockError({ code: 'path.invalid', message: 'The path is empty: give a file path relative to the workspace or an absolute path.' });
  }
  if (p.includes('\0')) {
    throw new AirlockError({ code: 'path.invalid', message: `The path ${JSON.stringify(p)} contains a NUL character, which no file name may contain.` });
  }
  const expanded = p === '~' ? homeDir : p.startsWith('~/') ? path.join(homeDir, p.slice(2)) : p;
  const abs = path.resolve(workspaceRoot, expanded);
  return { abs, rel: relativeTo(resolvedRoot(workspaceRoot), abs, opts.caseInsensitive ?? PLATFORM_CASE_INSENSITIVE) };
}

// Every decision normalises against the same root: resolve it once, not per call.
let lastRoot = '';
let lastResolved = '';
function resolvedRoot(root: string): string {
  if (root !== lastRoot) {
    lastResolved = path.resolve(root);
    lastRoot = root;
  }
  return lastResolved;
}

/**
 * `abs` relative to `root` as posix, `.` for root itself, null when outside (case-folded on case-insensitive systems).
 * Compared segment by segment: folding case can change a string's length (`İ` lower-cases to two code units), so the
 * relative part is never cut out of `abs` at an offset measured on its folded form.
 */
export function relativeTo(root: string, abs: string, caseInsensitive: boolean): string | null {
  if (!caseInsensitive) {
    // Both are resolved (no `..`, no duplicate or trailing separators), so a prefix test is exact and cheap.
    if (abs === root) return '.';
    const prefix = root.endsWith(path.sep) ? root : root + path.sep;
    return abs.startsWith(prefix) ? toPosix(abs.slice(prefix.length)) : null;
  }
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const rootSegs = root.split(path.sep).filter((s) => s !== '');
  const absSegs = abs.split(path.sep).filter((s) => s !== '');
  if (absSegs.length < rootSegs.length) return null;
  if (!rootSegs.every((s, i) => fold(s) === fold(absSegs[i]!))) return null;
  const rest = absSegs.slice(rootSegs.length);
  return rest.length === 0 ? '.' : rest.join('/');
}
