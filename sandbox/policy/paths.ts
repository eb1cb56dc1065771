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
  const root = resolvedRoot(workspaceRoot);
  const caseInsensitive = opts.caseInsensitive ?? PLATFORM_CASE_INSENSITIVE;
  // Fast paths for what path.resolve would leave as written (posix, absolute roots): a plain relative path is root/p
  // and its own relative form; a plain absolute path is itself; `~/` and a plain rest is the resolved home/rest.
  // A plain path has no NUL, so the check for one below is only needed on the general path.
  if (POSIX && lastRootIsAbsolute) {
    if (PLAIN_RELATIVE.test(p)) return { abs: root === '/' ? '/' + p : `${root}/${p}`, rel: p };
    if (PLAIN_ABSOLUTE.test(p)) return { abs: p, rel: relativeTo(root, p, caseInsensitive) };
    if (PLAIN_HOME.test(p)) {
      const home = resolvedHome(homeDir);
      if (home !== undefined) {
        const abs = home === '/' ? p.slice(1) : home + p.slice(1);
        return { abs, rel: relativeTo(root, abs, caseInsensitive) };
      }
    }
  }
  if (p.includes('\0')) {
    throw new AirlockError({ code: 'path.invalid', message: `The path ${JSON.stringify(p)} contains a NUL character, which no file name may contain.` });
  }
  const expanded = p === '~' ? homeDir : p.startsWith('~/') ? path.join(homeDir, p.slice(2)) : p;
  const abs = path.resolve(workspaceRoot, expanded);
  return { abs, rel: relativeTo(root, abs, caseInsensitive) };
}

const POSIX = path.sep === '/';

/**
 * Paths path.resolve leaves as written after an absolute prefix: one or more segments joined by single `/`s, none of
 * them empty, `.` or `..`, with no `\\` or NUL; as written relative, after `/`, and after `~/`. (Regexes rather than
 * a loop over the characters: as fast once optimised, and far faster before, in the first decisions.)
 */
const PLAIN_SEGMENTS = String.raw`(?!\.\.?(?:/|$))[^/\\\0]+(?:/(?!\.\.?(?:/|$))[^/\\\0]+)*$`;
const PLAIN_RELATIVE = new RegExp(`^(?![/~])${PLAIN_SEGMENTS}`);
const PLAIN_ABSOLUTE = new RegExp(`^/${PLAIN_SEGMENTS}`);
const PLAIN_HOME = new RegExp(`^~/${PLAIN_SEGMENTS}`);

// Every decision normalises against the same root and home: resolve them once, not per call. Only an absolute root
// or home does not depend on the current directory, so only then may the fast paths above skip path.resolve.
let lastRoot = '';
let lastResolved = '';
let lastRootIsAbsolute = false;
function resolvedRoot(root: string): string {
  if (root !== lastRoot) {
    lastResolved = path.resolve(root);
    lastRootIsAbsolute = path.isAbsolute(root);
    lastRoot = root;
  }
  return lastResolved;
}

let lastHome = '';
let lastHomeResolved: string | undefined;
/** The resolved home directory when it is absolute, else undefined. */
function resolvedHome(home: string): string | undefined {
  if (home !== lastHome) {
    lastHomeResolved = typeof home === 'string' && path.isAbsolute(home) ? path.resolve(home) : undefined;
    lastHome = home;
  }
  return lastHomeResolved;
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
    const prefix = rootPrefix(root);
    return prefix.test(abs) ? toPosix(abs.slice(prefixLength)) : null;
  }
  const fold = (s: string) => (caseInsensitive ? s.toLowerCase() : s);
  const rootSegs = root.split(path.sep).filter((s) => s !== '');
  const absSegs = abs.split(path.sep).filter((s) => s !== '');
  if (absSegs.length < rootSegs.length) return null;
  if (!rootSegs.every((s, i) => fold(s) === fold(absSegs[i]!))) return null;
  const rest = absSegs.slice(rootSegs.length);
  return rest.length === 0 ? '.' : rest.join('/');
}

// `root/` as an anchored regex (a regex test is several times cheaper than startsWith here), for the last root seen.
let prefixRoot: string | undefined;
let prefixRe = /^/;
let prefixLength = 0;
function rootPrefix(root: string): RegExp {
  if (root !== prefixRoot) {
    const prefix = root.endsWith(path.sep) ? root : root + path.sep;
    prefixRe = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`);
    prefixLength = prefix.length;
    prefixRoot = root;
  }
  return prefixRe;
}
