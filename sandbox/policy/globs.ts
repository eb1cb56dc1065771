// Filesystem rule lists: globs (workspace-relative, `//absolute` or `~/home`) compiled once into regexes, matched fast.
import micromatch from 'micromatch';
import { AirlockError } from '../errors.js';
import { allowedBy, deniedBy, describeRule } from './format.js';
import { toPosix, type NormalisedPath } from './paths.js';
import type { RuleRef } from './types.js';

/** Where a glob is anchored: the workspace (matched against `rel`) or the file system root (matched against `abs`). */
export type GlobBase = 'workspace' | 'absolute';

export interface GlobRule {
  readonly index: number;
  readonly ref: RuleRef;
  readonly base: GlobBase;
  /** micromatch's regex: exact for any subject string. */
  readonly re: RegExp;
  /** `describeRule(ref)`, and the ends of the allow and deny reasons naming it: computed once, a decision only concatenates. */
  readonly text: string;
  readonly allowedBy: string;
  readonly deniedBy: string;
  /** `re` without its dot-segment guards, which always pass on a path with no `.`/`..` segment (every normalised path). */
  readonly fast: RegExp;
  /** A literal every match contains (case-sensitive lists only), to rule the glob out with `includes`; '' when unknown. */
  readonly needs: string;
}

/**
 * A trie over literal leading path segments: a node holds the rules whose literal prefix ends there, so a path is only
 * tested against rules whose literal segments it starts with. Chains of nodes without rules are merged into one edge
 * (`tmp/ws/home`). Case-insensitive lists index the first segment only (folded with toLowerCase, which is not exactly
 * how a regex's `i` flag folds; deeper keys would widen that gap).
 */
interface TrieNode {
  readonly rules: readonly GlobRule[];
  /** The rules' `fast` regexes joined: one test rules out the node (for nodes with several rules and no `needs`). */
  readonly any: RegExp | null;
  /** Every rule's required literal, as one regex, when each has one: a path with none of them matches no rule here. */
  readonly needs: RegExp | null;
  /** Edges by the first segment of their key. */
  readonly edges: ReadonlyMap<string, TrieEdge> | null;
  /** The only edge, when there is exactly one (case-sensitive lists): tried without cutting the segment out. */
  readonly single: TrieEdge | null;
}

interface TrieEdge {
  /** One or more literal segments joined by `/` (folded when case-insensitive). */
  readonly key: string;
  /** Sticky: the key followed by `/` or the end, at lastIndex. Null when the key is one segment reached by lookup. */
  readonly at: RegExp | null;
  readonly node: TrieNode;
}

export interface GlobList {
  readonly rules: readonly GlobRule[];
  /** Whether a rule also matches everything under what it names (deny lists: denying `secrets` denies `secrets/key`). */
  readonly subtree: boolean;
  readonly caseInsensitive: boolean;
  readonly workspace: TrieNode;
  readonly absolute: TrieNode;
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
  return globRule(index, ref, base, re, ctx.caseInsensitive ? '' : requiredLiteral(glob, 0));
}

/** Every GlobRule is built here, so that all share one hidden class (the matchers' property reads stay monomorphic). */
function globRule(index: number, ref: RuleRef, base: GlobBase, re: RegExp, needs: string): GlobRule {
  const text = describeRule(ref);
  return { index, ref, base, re, text, allowedBy: allowedBy(text), deniedBy: deniedBy(text), fast: withoutDotGuards(re), needs };
}

/**
 * micromatch guards every `**` and `*` against `.`/`..` segments with this lookahead. It fails only where such a
 * segment starts (at the start or after a `/`), so on a path with none it always passes, and dropping it changes no
 * answer for such paths; it is the costliest part of the regex (tried before every character a `**` consumes).
 */
const DOT_SEGMENT_GUARD = '(?!(?:^|\\/)\\.{1,2}(?:\\/|$))';
const HAS_DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:\/|$)/;

function withoutDotGuards(re: RegExp): RegExp {
  const source = re.source.split(DOT_SEGMENT_GUARD).join('');
  return source === re.source ? re : new RegExp(source, re.flags);
}

// Whether the path firstInBase is walking has no `.`/`..` segment: 0 not checked yet (most walks never need to know),
// 1 clean, 2 not. Set per walk; nothing runs in between.
let walkState: 0 | 1 | 2 = 0;

function walkIsClean(subject: string): boolean {
  if (walkState === 0) walkState = hasDotSegment(subject) ? 2 : 1;
  return walkState === 1;
}

/** Does the path have a `.` or `..` segment (never true of a normalised path)? */
function hasDotSegment(p: string): boolean {
  return HAS_DOT_SEGMENT.test(p);
}

/**
 * The longest run of literal characters a glob made only of literals, `*`, `?` and `/` requires of every path it
 * matches (micromatch turns each such literal into itself), looking from segment `fromSegment` on; '' when there is
 * none or the glob has any other syntax.
 */
function requiredLiteral(glob: string, fromSegment: number): string {
  if (/[\\[\]{}()!+@|]/.test(glob) || HAS_DOT_SEGMENT.test(glob)) return '';
  let best = '';
  for (const segment of glob.split('/').slice(fromSegment)) {
    for (const run of segment.split(/[*?]+/)) if (run.length > best.length) best = run;
  }
  return best;
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

/**
 * The literal leading segments a rule is indexed by. The first is any segment without glob syntax (`.` and `..`
 * included, which micromatch may rewrite: such a rule is only ever tried on paths that start with that segment, as
 * it always was); deeper ones only while each is a plain name the regex requires as is. Case-insensitive lists are
 * indexed by the first segment only.
 */
function literalPrefix(base: GlobBase, glob: string, caseInsensitive: boolean): string[] {
  const body = base === 'absolute' ? glob.replace(/^\/+/, '') : glob;
  const out: string[] = [];
  for (const seg of body.split('/')) {
    if (seg === '' || GLOB_CHARS.test(seg) || (out.length > 0 && (seg === '.' || seg === '..'))) break;
    out.push(caseInsensitive ? seg.toLowerCase() : seg);
    if (caseInsensitive || seg === '.' || seg === '..') break;
  }
  return out;
}

interface MutableNode { rules: GlobRule[]; children: Map<string, MutableNode> }

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function freeze(n: MutableNode, caseInsensitive: boolean): TrieNode {
  const everyNeeds = n.rules.length > 0 && n.rules.every((r) => r.needs !== '');
  const edges = new Map<string, TrieEdge>();
  for (const [seg, child] of n.children) {
    let key = seg;
    let node = child;
    while (!caseInsensitive && node.rules.length === 0 && node.children.size === 1) {
      const [nextSeg, next] = [...node.children][0]!;
      key += `/${nextSeg}`;
      node = next;
    }
    const single = !caseInsensitive && n.children.size === 1;
    edges.set(seg, {
      key,
      at: single || key !== seg ? new RegExp(`${escapeRegex(key)}(?:/|$)`, 'y') : null,
      node: freeze(node, caseInsensitive),
    });
  }
  return {
    rules: n.rules,
    // A node whose rules all need a literal is ruled out by `needs` and its rules by theirs: no joined regex to build.
    any: n.rules.length > 1 && !everyNeeds ? joinRegexes(n.rules.map((r) => r.fast), caseInsensitive) : null,
    needs: everyNeeds ? new RegExp([...new Set(n.rules.map((r) => escapeRegex(r.needs)))].join('|')) : null,
    edges: edges.size > 0 ? edges : null,
    single: !caseInsensitive && edges.size === 1 ? [...edges.values()][0]! : null,
  };
}

function indexBase(rules: readonly GlobRule[], prefixes: ReadonlyMap<GlobRule, readonly string[]>, caseInsensitive: boolean): TrieNode {
  const root: MutableNode = { rules: [], children: new Map() };
  for (const r of rules) {
    let node = root;
    for (const seg of prefixes.get(r) ?? []) {
      let next = node.children.get(seg);
      if (!next) node.children.set(seg, next = { rules: [], children: new Map() });
      node = next;
    }
    node.rules.push(r);
  }
  return freeze(root, caseInsensitive);
}

export function compileGlobList(entries: ReadonlyArray<{ pattern: string; ref: RuleRef }>, ctx: GlobContext, subtree = false): GlobList {
  const prefixes = new Map<GlobRule, readonly string[]>();
  const rules = entries.map((e, i) => {
    const compiled = compileGlob(e.pattern, ctx, e.ref, subtree, i);
    const glob = globTarget(e.pattern, ctx.homeDir).glob;
    const prefix = literalPrefix(compiled.base, glob, ctx.caseInsensitive);
    // The trie checks the literal prefix; the literal worth testing for is one from the rest of the glob.
    const skip = prefix.length + (compiled.base === 'absolute' ? 1 : 0);
    const r = compiled.needs === '' ? compiled : globRule(i, compiled.ref, compiled.base, compiled.re, requiredLiteral(glob, skip));
    prefixes.set(r, prefix);
    return r;
  });
  return {
    rules,
    subtree,
    caseInsensitive: ctx.caseInsensitive,
    workspace: indexBase(rules.filter((r) => r.base === 'workspace'), prefixes, ctx.caseInsensitive),
    absolute: indexBase(rules.filter((r) => r.base === 'absolute'), prefixes, ctx.caseInsensitive),
  };
}

/** The first rule of a node matching the subject, unless `best` (an earlier rule) already does. */
function firstInNode(n: TrieNode, subject: string, best: GlobRule | undefined): GlobRule | undefined {
  const rules = n.rules;
  if (rules.length === 0 || (best && rules[0]!.index > best.index)) return best;
  // Required literals hold for any path, so they rule the node out before anything else.
  if (n.needs !== null && !n.needs.test(subject)) return best;
  if (!walkIsClean(subject)) {
    // A path with `.`/`..` segments (not a normalised one): micromatch's own regexes, rule by rule.
    for (const r of rules) {
      if (best && r.index > best.index) break;
      if (r.re.test(subject)) return r;
    }
    return best;
  }
  if (n.any && !n.any.test(subject)) return best;
  for (const r of rules) {
    if (best && r.index > best.index) break;
    if (r.needs !== '' && rules.length > 1 && !subject.includes(r.needs)) continue;
    if (r.fast.test(subject)) return r;
  }
  return best;
}

/** Walks the trie along the subject's leading segments (after `from`: 1 skips an absolute path's `/`), keeping the earliest matching rule. */
function firstInBase(root: TrieNode, subject: string, from: number, caseInsensitive: boolean): GlobRule | undefined {
  if (root.rules.length === 0 && root.edges === null) return undefined;
  walkState = 0;
  let best = firstInNode(root, subject, undefined);
  let node = root;
  let start = from;
  while (start <= subject.length) {
    let edge = node.single;
    if (edge === null) {
      if (node.edges === null) break;
      const slash = subject.indexOf('/', start);
      const seg = slash < 0 ? subject.slice(start) : subject.slice(start, slash);
      edge = node.edges.get(caseInsensitive ? seg.toLowerCase() : seg) ?? null;
      if (edge === null) break;
    }
    if (edge.at !== null) {
      edge.at.lastIndex = start;
      if (!edge.at.test(subject)) break;
    }
    node = edge.node;
    best = firstInNode(node, subject, best);
    start += edge.key.length + 1;
  }
  return best;
}

/** The first rule matching the path (with its description), or undefined. A workspace-relative rule never sees a path outside the workspace. */
export function firstGlobRule(list: GlobList, p: NormalisedPath): GlobRule | undefined {
  if (list.rules.length === 0) return undefined;
  const rel = p.rel === null ? null : p.rel === '.' ? '' : p.rel;
  const ws = rel === null ? undefined : firstInBase(list.workspace, rel, 0, list.caseInsensitive);
  const abs = list.absolute.edges === null && list.absolute.rules.length === 0
    ? undefined : firstInBase(list.absolute, toPosix(p.abs), 1, list.caseInsensitive);
  if (ws && abs) return ws.index < abs.index ? ws : abs;
  return ws ?? abs;
}

/** The first rule matching the path, or undefined. A workspace-relative rule never sees a path outside the workspace. */
export function matchGlobList(list: GlobList, p: NormalisedPath): RuleRef | undefined {
  return firstGlobRule(list, p)?.ref;
}
