// The form a path is shown and recorded in: as written inside the workspace, its true place (`~/…` or absolute) outside.
import path from 'node:path';
import { normalisePath, toPosix, type PathOptions } from './paths.js';

/**
 * The path an agent wrote, as prompts, reports, reasons and the log must show it: a path that stays in the workspace
 * keeps its (normalised) written form when that names the same file, else becomes workspace-relative; a path that
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
