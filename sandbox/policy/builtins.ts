// Built-in protections no policy can open: Airlock's own files, git hooks and config, editor settings, the log directory.
import path from 'node:path';
import { describeRule } from './format.js';
import { compileGlobList, escapeGlob, type GlobContext, type GlobList } from './globs.js';
import { toPosix, type NormalisedPath } from './paths.js';
import type { RuleRef } from './types.js';

/**
 * Agents' hook and settings files, in the workspace and the user's home: an agent that could edit them could unhook
 * Airlock (or its own permission rules), so no agent may write them. The baseline policy's folder is the user's too.
 */
export const AGENT_HOOK_FILES = [
  '.claude/settings.json', '.claude/settings.local.json', '.github/hooks/**', '.codex/**', '.gemini/settings.json', '.cursor/hooks.json',
  '~/.claude/settings.json', '~/.claude/settings.local.json', '~/.copilot/hooks/**', '~/.copilot/config.json', '~/.codex/**',
  '~/.gemini/settings.json', '~/.cursor/hooks.json', '~/.config/Code/User/settings.json', '~/.config/Code - Insiders/User/settings.json',
  '~/.config/airlock/**',
] as const;
const AGENT_HOOK_ROOTS = ['.claude/settings.json', '.claude/settings.local.json', '.github/hooks', '.codex', '.gemini/settings.json', '.cursor/hooks.json'] as const;

/**
 * Workspace paths an agent may never write, delete or create: changing them would change the policy, run code outside
 * the sandbox (git hooks, `core.hooksPath`/`core.fsmonitor` in .git/config, tasks and settings in .vscode) or hide tracks.
 * Every `.git` entry at any depth is protected, directories and `.git` *files* alike: a planted nested repository (or
 * a `.git` file pointing at a folder the agent wrote) has a config that a later git command would obey.
 */
export const BUILTIN_WRITE_PROTECTED = [
  '.airlock/policy.json', '.airlock/**', '.git/hooks/**', '.git/config', '.vscode/**', '**/.git/hooks/**', '**/.git/config',
  '.git', '**/.git', '**/.git/**',
  ...AGENT_HOOK_FILES,
] as const;

/** Directories whose removal would remove a protected path (a recursive delete of `.git` removes its hooks). */
const BUILTIN_PROTECTED_ROOTS = ['.airlock', '.git/hooks', '.git/config', '.vscode', ...AGENT_HOOK_ROOTS] as const;

export interface BuiltinProtections {
  readonly writeDeny: GlobList;
  readonly readDeny: GlobList;
  /** Workspace-relative (posix) and absolute roots of protected subtrees, for deletes of an ancestor. */
  readonly relRoots: readonly ProtectedRoot[];
  readonly absRoots: readonly ProtectedRoot[];
}

/** A protected subtree's root, the built-in rule it stands for, and that rule's description (`describeRule(ref)`). */
export interface ProtectedRoot { readonly root: string; readonly ref: RuleRef; readonly text: string }

const protectedRoot = (root: string, ref: RuleRef): ProtectedRoot => ({ root, ref, text: describeRule(ref) });

const builtinRef = (pattern: string): RuleRef => ({ layer: 'builtin', pattern });

/**
 * `protectedPaths` (Airlock's state: logs, heads, keys) may be neither read nor changed; `writeProtectedPaths` (the
 * user's baseline policy and its folder) may be read but not changed, like the workspace policy. Each is a file or a
 * folder: the path itself and everything under it.
 */
export function compileBuiltins(ctx: GlobContext, protectedPaths: readonly string[], writeProtectedPaths: readonly string[] = []): BuiltinProtections {
  const globsOf = (p: string) => {
    const abs = toPosix(path.resolve(p)).replace(/\/+$/, '');
    const escaped = '//' + escapeGlob(abs).replace(/^\/+/, '');
    return [{ pattern: `${escaped}/**`, ref: builtinRef(`${abs}/**`), abs }, { pattern: escaped, ref: builtinRef(abs), abs }];
  };
  const absGlobs = protectedPaths.map((p) => globsOf(p)[0]!);
  const writeOnly = writeProtectedPaths.flatMap(globsOf);
  const writeDeny = compileGlobList([
    ...BUILTIN_WRITE_PROTECTED.map((pattern) => ({ pattern, ref: builtinRef(pattern) })),
    ...absGlobs,
    ...writeOnly,
  ], ctx, true);
  const readDeny = compileGlobList(absGlobs, ctx, true);
  return {
    writeDeny,
    readDeny,
    relRoots: BUILTIN_PROTECTED_ROOTS.map((root) => protectedRoot(root, builtinRef(root === '.git/config' ? root : `${root}/**`))),
    absRoots: [...absGlobs, ...writeOnly.filter((g) => g.pattern.endsWith('/**'))].map((g) => protectedRoot(g.abs, g.ref)),
  };
}

/**
 * For a delete: the protection of a protected subtree the target contains (deleting `.git` or `.` removes `.git/hooks`).
 * With `ancestorsOfAbsolute` false, an absolute protected root (the log directory) counts only when the target is that
 * root or inside it, not for every ancestor such as the home directory (for command arguments, which may only list).
 */
export function protectedRootRemoved(b: BuiltinProtections, p: NormalisedPath, caseInsensitive: boolean,
  opts: { ancestorsOfAbsolute?: boolean } = {}): ProtectedRoot | undefined {
  const fold = (x: string) => (caseInsensitive ? x.toLowerCase() : x);
  const contains = (dir: string, root: string) => {
    const d = fold(dir).replace(/\/+$/, '');
    const r = fold(root);
    return d === '' || r === d || r.startsWith(d + '/');
  };
  if (p.rel !== null) {
    for (const r of b.relRoots) {
      if (p.rel === '.' || contains(p.rel, r.root)) return r;
    }
  }
  const abs = toPosix(p.abs);
  const inside = (dir: string, root: string) => fold(dir) === fold(root) || fold(dir).startsWith(fold(root) + '/');
  for (const r of b.absRoots) if (opts.ancestorsOfAbsolute === false ? inside(abs, r.root) : contains(abs, r.root)) return r;
  return undefined;
}
