// Translates an Airlock policy (its documents plus the built-in protections) rule by rule into Cedar and casbin.
//
// One Airlock rule becomes one Cedar policy (id = the Airlock rule's file#jsonPath) and one or more casbin lines (the
// same id in the last field), so that every engine can name the rule behind its verdict. Only the pattern forms the
// benchmark policies use are translated; anything else throws rather than being translated loosely.
import path from 'node:path';
import { BUILTIN_WRITE_PROTECTED } from '../../sandbox/policy/builtins.js';
import type { CompiledPolicy } from '../../sandbox/policy/compile.js';
import { formatJsonPath } from '../../sandbox/policy/ruleset.js';
import type { PolicyDoc } from '../../sandbox/policy/schema.js';

export type Family = 'read' | 'write' | 'net' | 'exec';
export type Effect = 'allow' | 'deny';

/** One rule as written in an Airlock policy (or a built-in), engine-neutral. */
export interface AuthoredRule {
  id: string;
  family: Family;
  effect: Effect;
  /** A glob (fs), a URL pattern (net), an argv pattern (exec), or a built-in check name. */
  pattern: string | readonly string[];
  builtin?: 'net.scheme' | 'net.credentials';
}

/** Where relative globs and `~/` point. */
export interface Roots { workspace: string; home: string }

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443 };

/** Every rule of a single-layer policy in decision order: built-ins, then each source's lists as written. */
export function authoredRules(policy: CompiledPolicy): AuthoredRule[] {
  const layers = policy.resolved.layers.filter((l) => l.sources.length > 0);
  if (layers.length !== 1) throw new Error('the benchmark translates single-layer policies only');
  const rules: AuthoredRule[] = [
    ...BUILTIN_WRITE_PROTECTED.map((p): AuthoredRule => ({ id: `builtin:${p}`, family: 'write', effect: 'deny', pattern: p })),
    { id: 'builtin:net.scheme', family: 'net', effect: 'deny', pattern: '', builtin: 'net.scheme' },
    { id: 'builtin:net.credentials', family: 'net', effect: 'deny', pattern: '', builtin: 'net.credentials' },
  ];
  for (const source of layers[0]!.sources) rules.push(...docRules(source.file, source.doc));
  return rules;
}

function docRules(file: string, doc: PolicyDoc): AuthoredRule[] {
  const out: AuthoredRule[] = [];
  const add = (family: Family, effect: Effect, keys: (string | number)[], list: readonly (string | readonly string[])[] | undefined) =>
    (list ?? []).forEach((pattern, i) => out.push({ id: `${file}#${formatJsonPath([...keys, effect, i])}`, family, effect, pattern }));
  for (const effect of ['deny', 'allow'] as const) {
    add('read', effect, ['fs', 'read'], doc.fs?.read?.[effect]);
    add('write', effect, ['fs', 'write'], doc.fs?.write?.[effect]);
    add('net', effect, ['net'], doc.net?.[effect]);
    add('exec', effect, ['exec'], doc.exec?.[effect]);
  }
  return out;
}

// ── globs ──────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The absolute glob a rule names, as Airlock anchors it (see sandbox/policy/globs.ts globTarget). */
export function absoluteGlob(glob: string, roots: Roots): string {
  if (/[?[\]{}()!+@|\\]/.test(glob)) throw new Error(`the benchmark does not translate the glob ${JSON.stringify(glob)}`);
  if (glob.startsWith('//')) return '/' + glob.replace(/^\/+/, '');
  if (glob === '~' || glob.startsWith('~/')) return roots.home + glob.slice(1);
  return `${roots.workspace}/${glob.replace(/^\/+/, '').replace(/^\.\/+/, '')}`;
}

/**
 * Minimatch globs (casbin's globMatch) for one rule. Airlock's deny lists cover everything under what they name, and
 * its `x/**` also matches `x` itself: casbin needs those spelled out as extra lines.
 */
export function casbinGlobs(glob: string, subtree: boolean): string[] {
  const out = new Set([glob]);
  if (subtree) out.add(`${glob}/**`);
  if (glob.endsWith('/**')) out.add(glob.slice(0, -3));
  return [...out];
}

/**
 * Cedar `like` patterns for one rule. Cedar's only wildcard `*` crosses `/`, so `**` and `*` both become `*` and a
 * `/**\/` in the middle becomes two patterns (no directory, or some). `*` inside a segment therefore also crosses `/`
 * in Cedar: the benchmark policies only use it where that does not change a verdict (`**\/*.pem`).
 */
export function cedarLikes(glob: string, subtree: boolean): string[] {
  let forms = [glob];
  while (forms.some((f) => f.includes('/**/'))) {
    forms = forms.flatMap((f) => (f.includes('/**/') ? [f.replace('/**/', '/'), f.replace('/**/', '/*/')] : [f]));
  }
  const out = new Set<string>();
  for (const f of forms) {
    const like = f.replace(/\*\*/g, '*');
    out.add(like);
    if (subtree) out.add(`${like}/*`);
    if (like.endsWith('/*')) out.add(like.slice(0, -2));
  }
  return [...out];
}

/** A Cedar string literal holding a `like` pattern: quotes and backslashes escaped, `*` left as the wildcard. */
function cedarLike(pattern: string): string {
  return JSON.stringify(pattern);
}

// ── URL patterns ───────────────────────────────────────────────────────────────────────────────────────────────────

interface UrlPattern { scheme: string; host: string; port: number; path: string }

function parseUrlPattern(text: string): UrlPattern {
  const m = /^(https?):\/\/([a-z0-9.-]+)(?::(\d+))?(\/.*)?$/i.exec(text);
  if (!m) throw new Error(`the benchmark does not translate the URL pattern ${JSON.stringify(text)}`);
  const scheme = m[1]!.toLowerCase();
  const pathGlob = m[4] ?? '/**';
  if (/[?[\]{}()!+@|\\]/.test(pathGlob) || (pathGlob.includes('*') && !/^[^*]*\/\*\*$/.test(pathGlob))) {
    throw new Error(`the benchmark translates URL paths that are literal or end in /**, not ${JSON.stringify(pathGlob)}`);
  }
  return { scheme, host: m[2]!.toLowerCase(), port: m[3] !== undefined ? Number(m[3]) : DEFAULT_PORTS[scheme]!, path: pathGlob };
}

// ── argv patterns ──────────────────────────────────────────────────────────────────────────────────────────────────

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regex over `argv.join(' ')` (casbin's regexMatch). `*` is one argument, `**` the rest; a deny names the program by
 * its basename (Airlock denies "/usr/bin/npm publish" with ["npm", "publish", "**"]).
 */
export function argvRegex(pattern: readonly string[], effect: Effect): string {
  const [program, ...rest] = pattern;
  if (program === undefined || program === '*' || program === '**' || program.includes('/')) {
    throw new Error(`the benchmark translates argv patterns that start with a program name, not ${JSON.stringify(pattern)}`);
  }
  let re = `^${effect === 'deny' ? '(?:\\S*/)?' : ''}${reEscape(program)}`;
  for (const el of rest) re += el === '**' ? '(?: .*)?' : el === '*' ? ' [^ ]+' : ` ${reEscape(el)}`;
  return `${re}$`;
}

function cedarArgvCondition(pattern: readonly string[], effect: Effect): string {
  const [program, ...rest] = pattern;
  if (program === undefined || program === '*' || program === '**' || program.includes('/')) {
    throw new Error(`the benchmark translates argv patterns that start with a program name, not ${JSON.stringify(pattern)}`);
  }
  const who = effect === 'deny' ? `context.prog == ${JSON.stringify(program)}` : `context.argv0 == ${JSON.stringify(program)}`;
  const restAll = rest[rest.length - 1] === '**';
  const fixed = restAll ? rest.slice(0, -1) : rest;
  const text = fixed.map((el) => (el === '*' ? '*' : el.replace(/\*/g, '\\*'))).join(' ');
  const argc = `context.argc ${restAll ? '>=' : '=='} ${fixed.length + 1}`;
  if (!restAll) return `${who} && ${argc} && context.args like ${JSON.stringify(text)}`;
  if (fixed.length === 0) return who;
  return `${who} && ${argc} && (context.args like ${JSON.stringify(text)} || context.args like ${JSON.stringify(`${text} *`)})`;
}

// ── Cedar ──────────────────────────────────────────────────────────────────────────────────────────────────────────

const CEDAR_ACTIONS: Record<Family, string> = {
  read: '[Action::"fs.read", Action::"fs.list", Action::"fs.stat"]',
  write: '[Action::"fs.write", Action::"fs.delete", Action::"fs.mkdir"]',
  net: '[Action::"net.fetch"]',
  exec: '[Action::"exec"]',
};

function cedarCondition(rule: AuthoredRule, roots: Roots): string {
  if (rule.builtin === 'net.scheme') return '!(context.scheme == "http" || context.scheme == "https")';
  if (rule.builtin === 'net.credentials') return 'context.creds';
  const subtree = rule.effect === 'deny';
  switch (rule.family) {
    case 'read':
    case 'write':
      return cedarLikes(absoluteGlob(rule.pattern as string, roots), subtree).map((l) => `context.path like ${cedarLike(l)}`).join(' || ');
    case 'net': {
      const u = parseUrlPattern(rule.pattern as string);
      const paths = cedarLikes(u.path, subtree).map((l) => `context.path like ${cedarLike(l)}`).join(' || ');
      return `context.scheme == ${JSON.stringify(u.scheme)} && context.host == ${JSON.stringify(u.host)} && context.port == ${u.port} && (${paths})`;
    }
    case 'exec':
      return cedarArgvCondition(rule.pattern as readonly string[], rule.effect);
  }
}

/** The Cedar policy set: one policy per rule, keyed by the rule's id. */
export function toCedar(rules: readonly AuthoredRule[], roots: Roots): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rules) {
    const effect = r.effect === 'allow' ? 'permit' : 'forbid';
    out[r.id] = `${effect} (principal, action in ${CEDAR_ACTIONS[r.family]}, resource) when { ${cedarCondition(r, roots)} };`;
  }
  return out;
}

// ── casbin ─────────────────────────────────────────────────────────────────────────────────────────────────────────

/** The casbin model: a request is (agent, family, object); a policy line adds how to match, the effect and the rule id. */
export const CASBIN_MODEL = `
[request_definition]
r = sub, act, obj

[policy_definition]
p = sub, act, how, obj, eft, id

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = r.sub == p.sub && r.act == p.act && (p.how == "glob" && globMatch(r.obj, p.obj) || p.how == "key" && keyMatch(r.obj, p.obj) || p.how == "re" && regexMatch(r.obj, p.obj))
`;

function casbinLines(rule: AuthoredRule, roots: Roots): string[][] {
  const line = (how: string, obj: string) => ['agent', rule.family, how, obj, rule.effect, rule.id];
  if (rule.builtin === 'net.scheme') return [line('re', '^(?!https?:)')];
  if (rule.builtin === 'net.credentials') return [line('re', '^[a-z][a-z0-9+.-]*://[^/@]*@')];
  const subtree = rule.effect === 'deny';
  switch (rule.family) {
    case 'read':
    case 'write':
      return casbinGlobs(absoluteGlob(rule.pattern as string, roots), subtree).map((g) => line('glob', g));
    case 'net': {
      const u = parseUrlPattern(rule.pattern as string);
      const origin = `${u.scheme}://${u.host}${u.port === DEFAULT_PORTS[u.scheme] ? '' : `:${u.port}`}`;
      const keys = new Set<string>();
      if (u.path.endsWith('/**')) {
        keys.add(`${origin}${u.path.slice(0, -2)}*`);
        keys.add(`${origin}${u.path.slice(0, -3)}`);
      } else {
        keys.add(`${origin}${u.path}`);
        if (subtree) keys.add(`${origin}${u.path.replace(/\/$/, '')}/*`);
      }
      return [...keys].filter((k) => k !== origin).map((k) => line('key', k));
    }
    case 'exec':
      return [line('re', argvRegex(rule.pattern as readonly string[], rule.effect))];
  }
}

/** The casbin policy lines, in the order Airlock checks its rules. */
export function toCasbin(rules: readonly AuthoredRule[], roots: Roots): string[][] {
  return rules.flatMap((r) => casbinLines(r, roots));
}

/** The request each engine is asked, from what the agent wrote (normalised as Airlock normalises it). */
export function absolutePath(p: string, roots: Roots): string {
  const expanded = p === '~' ? roots.home : p.startsWith('~/') ? path.join(roots.home, p.slice(2)) : p;
  return path.resolve(roots.workspace, expanded);
}
