// Filesystem rule lists: globs (workspace-relative, `//absolute` or `~/home`) compiled once into regexes, matched fast.
import micromatch from 'micromatch';
import { AirlockError } from '../errors.js';
import { toPosix, type NormalisedPath } from './paths.js';
import type { RuleRef } from './types.js';

/** Where a glob is anchored: the workspace (matched against `rel`) or the file system root (matched against `abs`). */
export type GlobBase = 'workspace' | 'absolute';

export interface GlobRule {
  readonly index: number;
  readonly ref: RuleRef;
  readonly base: GlobBase;
  readonly re: RegExp;
}

/** Rules sharing a first path segment (or all rules whose first segment is a glob), with one joined regex. */
interface Bucket { readonly rules: readonly GlobRule[]; readonly any: RegExp | null }

/** One base's rules, bucketed by a literal first segment so a path is only tested against rules that can match it. */
interface BaseIndex { readonly byFirst: ReadonlyMap<string, Bucket>; readonly wild: Bucket }

export interface GlobList {
  readonly rules: readonly GlobRule[];
  /** Whether a rule also matches everything under what it names (deny lists: denying `secrets` denies `secrets/key`). */
  readonly subtree: boolean;
  readonly caseInsensitive: boolean;
  readonly workspace: BaseIndex;
  readonly absolute: BaseIndex;
}

export interface GlobContext {
  readonly homeDir: string;
  readonly caseInsensitive: boolean;
}

const GLOB_SPECIALS = /[\\*?[\]{}()!+@|]/g;

/** Escape a literal path so it can stand inside a glob. */
export function escapeGlob(literal: string): string {
  return literal.replace(GLOB_SPECIALS, '\\$&');
}

/**
 * Split a rule into its base and a glob for that base. `//abs/x/**` → absolute `/abs/x/**`; `~/x/**` → absolute
 * `<home>/x/**`; anything else is workspace-relative, a single leading `/` anchoring it at the root as in .gitignore.
 */
export function globTarget(pattern: string, homeDir: string): { base: GlobBase; glob: string } {
  if (pattern.startsWith('//')) return { base: 'absolute', glob: '/' + pattern.replace(/^\/+/, '') };
  if (pattern === '~' || pattern.startsWith('~/')) {
    const home = escapeGlob(toPosix(homeDir).replace(/\/+$/, ''));
    return { base: 'absolute', glob: home + pattern.slice(1) };
  }
  return { base: 'workspace', glob: pattern.replace(/^\/+/, '').replace(/^\.\/+/, '') };
}

function badGlob(pattern: string, ref: RuleRef, e: unknown): AirlockError {
  return new AirlockError({
    code: 'policy.bad-pattern',
    message: `The glob ${JSON.stringify(pattern)} is not valid: ${(e as Error).message}.`,
    place: { file: ref.file, line: ref.line, col: ref.col, jsonPath: ref.jsonPath },
  });
}

/** Compile one rule. With `subtree`, the regex also matches every path below a match (the glob plus `glob/**`). */
export function compileGlob(pattern: string, ctx: GlobContext, ref: RuleRef, subtree = false, index = 0): GlobRule {
  const { base, glob } = globTarget(pattern, ctx.homeDir);
  const opts = { dot: true, nocase: ctx.caseInsensitive };
  let re: RegExp;
  try {
    re = micromatch.makeRe(glob, opts);
    if (subtree) {
      const below = micromatch.makeRe(`${glob.replace(/\/+$/, '')}/**`, opts);
      re = joinRegexes([re, below], ctx.caseInsensitive) ?? re;
    }
  } catch (e) {
    throw badGlob(pattern, ref, e);
  }
  return { index, ref, base, re };
}

function joinRegexes(res: readonly RegExp[], caseInsensitive: boolean): RegExp | null {
  if (res.length === 0) return null;
  if (res.length === 1) return res[0]!;
  const parts: string[] = [];
  for (const re of res) {
    const s = re.source;
    // micromatch emits `^(?:...)$`; anything else is not joined, and the fast test then always says "maybe".
    if (!s.startsWith('^') || !s.endsWith('$')) return /[^]*/;
    parts.push(s.slice(1, -1));
  }
  return new RegExp(`^(?:${parts.join('|')})$`, caseInsensitive ? 'i' : '');
}

const GLOB_CHARS = /[\\*?[\]{}()!+@|]/;

/** The literal first path segment a glob requires, or undefined when it starts with a pattern. */
function literalFirstSegment(rule: GlobRule, glob: string): string | undefined {
  const body = rule.base === 'absolute' ? glob.replace(/^\/+/, '') : glob;
  const first = body.split('/')[0] ?? '';
  return first === '' || GLOB_CHARS.test(first) ? undefined : first;
}

function bucket(rules: GlobRule[], caseInsensitive: boolean): Bucket {
  return { rules, any: joinRegexes(rules.map((r) => r.re), caseInsensitive) };
}

function indexBase(rules: readonly GlobRule[], globs: ReadonlyMap<GlobRule, string>, caseInsensitive: boolean): BaseIndex {
  const byFirst = new Map<string, GlobRule[]>();
  const wild: GlobRule[] = [];
  for (const r of rules) {
    const first = literalFirstSegment(r, globs.get(r) ?? '');
    if (first === undefined) { wild.push(r); continue; }
    const key = caseInsensitive ? first.toLowerCase() : first;
    byFirst.set(key, [...(byFirst.get(key) ?? []), r]);
  }
  return {
    byFirst: new Map([...byFirst].map(([k, v]) => [k, bucket(v, caseInsensitive)])),
    wild: bucket(wild, caseInsensitive),
  };
}

export function compileGlobList(entries: ReadonlyArray<{ pattern: string; ref: RuleRef }>, ctx: GlobContext, subtree = false): GlobList {
  const globs = new Map<GlobRule, string>();
  const rules = entries.map((e, i) => {
    const r = compileGlob(e.pattern, ctx, e.ref, subtree, i);
    globs.set(r, globTarget(e.pattern, ctx.homeDir).glob);
    return r;
  });
  return {
    rules,
    subtree,
    caseInsensitive: ctx.caseInsensitive,
    workspace: indexBase(rules.filter((r) => r.base === 'workspace'), globs, ctx.caseInsensitive),
    absolute: indexBase(rules.filter((r) => r.base === 'absolute'), globs, ctx.caseInsensitive),
  };
}

export const EMPTY_GLOB_LIST: GlobList = compileGlobList([], { homeDir: '/', caseInsensitive: false });

function firstInBucket(b: Bucket | undefined, subject: string): GlobRule | undefined {
  if (!b || !b.any || !b.any.test(subject)) return undefined;
  for (const r of b.rules) if (r.re.test(subject)) return r;
  return undefined;
}

function firstInBase(index: BaseIndex, subject: string, caseInsensitive: boolean, absolute: boolean): GlobRule | undefined {
  const body = absolute ? subject.slice(1) : subject;
  const slash = body.indexOf('/');
  const first = slash < 0 ? body : body.slice(0, slash);
  const keyed = firstInBucket(index.byFirst.get(caseInsensitive ? first.toLowerCase() : first), subject);
  const wild = firstInBucket(index.wild, subject);
  if (keyed && wild) return keyed.index < wild.index ? keyed : wild;
  return keyed ?? wild;
}

/** The first rule matching the path, or undefined. A workspace-relative rule never sees a path outside the workspace. */
export function matchGlobList(list: GlobList, p: NormalisedPath): RuleRef | undefined {
  if (list.rules.length === 0) return undefined;
  const rel = p.rel === null ? null : p.rel === '.' ? '' : p.rel;
  const ws = rel === null ? undefined : firstInBase(list.workspace, rel, list.caseInsensitive, false);
  const abs = firstInBase(list.absolute, toPosix(p.abs), list.caseInsensitive, true);
  if (ws && abs) return ws.index < abs.index ? ws.ref : abs.ref;
  return (ws ?? abs)?.ref;
}
