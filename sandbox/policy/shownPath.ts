// The form a path is shown and recorded in: as written inside the workspace, its true place (`~/…` or absolute) outside.
import path from 'node:path';
import { normalisePath, toPosix, type PathOptions } from './paths.js';
import type { Action } from './types.js';

/**
 * The path an agent wrote, as prompts, reports, reasons and the log must show it: a path that stays in the workspace
 * keeps its (normalised) written form when that is relative and names the same file, else becomes workspace-relative
 * (an agent's absolute `/home/me/proj/src/a.ts` shows as `src/a.ts`, the form rules and "Always allow" use); a path that
 * leaves the workspace is shown where it really is — `~/…` under the home directory, else absolute — so `~/../x`
 * never passes for the workspace's `x`. Pure: the same normalisation decisions use, no I/O. A path that cannot be
 * normalised (empty, NUL) is returned as written; the decision refuses it.
 */
export function shownPath(workspaceRoot: string, homeDir: string, p: string, opts: PathOptions = {}): string {
  let abs: string;
  let rel: string | null;
  try {
    ({ abs, rel } = normalisePath(workspaceRoot, homeDir, p, opts));
  } catch {
    return p;
  }
  if (rel !== null) {
    const written = writtenForm(p);
    // An absolute or `~` path into the workspace is shown workspace-relative, as policy rules and "Always allow" write it.
    if (path.posix.isAbsolute(written) || path.win32.isAbsolute(written) || written === '~' || written.startsWith('~/')) return rel;
    try {
      if (normalisePath(workspaceRoot, homeDir, written, opts).abs === abs) return written;
    } catch {
      // fall through to the workspace-relative form
    }
    return rel;
  }
  const home = toPosix(path.resolve(homeDir)).replace(/\/+$/, '');
  const a = toPosix(abs);
  if (home !== '' && a === home) return '~';
  if (home !== '' && a.startsWith(`${home}/`)) return `~/${a.slice(home.length + 1)}`;
  return a;
}

/** The path as written, `.`/`..` segments and doubled slashes folded (what the log showed before; `~` is a name here). */
function writtenForm(p: string): string {
  const posix = toPosix(p);
  return /\/\/|(?:^|\/)\.{1,2}(?:\/|$)/.test(posix) ? path.posix.normalize(posix) : posix;
}

/** The action with its path in the shown form (shownPath); it names the same file, so its decision is the same. */
export function shownAction<A extends Action>(where: { workspaceRoot: string; homeDir: string; caseInsensitive?: boolean }, action: A): A {
  if (!('path' in action) || typeof action.path !== 'string') return action;
  const p = shownPath(where.workspaceRoot, where.homeDir, action.path, where.caseInsensitive !== undefined ? { caseInsensitive: where.caseInsensitive } : {});
  return p === action.path ? action : { ...action, path: p };
}
