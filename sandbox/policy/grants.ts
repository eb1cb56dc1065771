// Grants: what an allow-once binds to (a hash of the normalised action), what a task grant covers, and what to offer.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CompiledPolicy } from './compile.js';
import { argvPatternMatches, validateArgvPattern } from './exec.js';
import { compileGlobList, escapeGlob, matchGlobList, type GlobList } from './globs.js';
import { DEFAULT_PORTS, netPatternMatches, parseNetPattern, type NetPattern } from './net.js';
import { toPosix } from './paths.js';
import { compileToolList, escapeToolName, firstToolRule, type ToolList } from './tools.js';
import { isUnmatchable, toSubject, type Subject } from './subject.js';
import type { Action, ActionKind, Grant } from './types.js';

/** The normalised target an allow-once binds to: the absolute path, the parsed URL, or the argv. */
function normalisedTarget(policy: CompiledPolicy, action: Action, subject?: Subject): unknown {
  const s = subject ?? toSubject(policy, action);
  if (isUnmatchable(s)) {
    return { unmatchable: action.kind === 'exec' ? action.argv : action.kind === 'net.fetch' ? action.url : action.kind === 'tool' ? action.tool : action.path };
  }
  switch (s.family) {
    case 'fs': return toPosix(s.path.abs);
    case 'net': return s.url.href;
    case 'exec': return s.argv;
    case 'tool': return s.tool;
  }
}

/** SHA-256 (hex) of the action's kind and normalised target: `./src/../a.ts` and `a.ts` hash alike. */
export function actionHash(policy: CompiledPolicy, action: Action, subject?: Subject): string {
  return createHash('sha256').update(JSON.stringify([action.kind, normalisedTarget(policy, action, subject)])).digest('hex');
}

type GrantMatcher =
  | { family: 'fs'; list: GlobList }
  | { family: 'net'; pattern: NetPattern }
  | { family: 'exec'; pattern: readonly string[] }
  | { family: 'tool'; list: ToolList }
  | { family: 'none' };

const familyOf = (kind: ActionKind): 'fs' | 'net' | 'exec' | 'tool' => (kind === 'net.fetch' ? 'net' : kind === 'exec' ? 'exec' : kind === 'tool' ? 'tool' : 'fs');

/** A task grant's target compiled once per policy; a malformed target covers nothing. */
function grantMatcher(policy: CompiledPolicy, kind: ActionKind, target: string | readonly string[]): GrantMatcher {
  const key = JSON.stringify([familyOf(kind), target]);
  const cache = policy.matchers.grantTargets;
  const hit = cache.get(key) as GrantMatcher | undefined;
  if (hit) return hit;
  let m: GrantMatcher = { family: 'none' };
  const ref = { layer: 'grant' as const, pattern: typeof target === 'string' ? target : JSON.stringify(target) };
  try {
    const family = familyOf(kind);
    if (family === 'fs' && typeof target === 'string') {
      m = { family, list: compileGlobList([{ pattern: target, ref }], { homeDir: policy.homeDir, caseInsensitive: policy.matchers.caseInsensitive }) };
    } else if (family === 'net' && typeof target === 'string') {
      m = { family, pattern: parseNetPattern(target) };
    } else if (family === 'tool' && typeof target === 'string') {
      m = { family, list: compileToolList([{ pattern: target, ref }], policy.matchers.caseInsensitive) };
    } else if (family === 'exec' && Array.isArray(target)) {
      validateArgvPattern(target);
      m = { family, pattern: [...target] };
    }
  } catch {
    m = { family: 'none' };
  }
  cache.set(key, m);
  return m;
}

/**
 * Does the grant cover the action? `once`: the same kind and action hash. `task`: the same kind and a target pattern
 * matching (a glob for fs, a URL pattern for net, an argv pattern for exec). Whether the grant's task is the current,
 * unexpired one is for `decide` to check.
 */
export function grantCovers(policy: CompiledPolicy, grant: Grant, action: Action, subject?: Subject): boolean {
  if (grant.kind !== action.kind) return false;
  const s = subject ?? toSubject(policy, action);
  if (isUnmatchable(s)) return false;
  if (grant.scope === 'once') return grant.actionHash === actionHash(policy, action, s);
  const m = grantMatcher(policy, grant.kind, grant.target);
  switch (m.family) {
    case 'fs': return s.family === 'fs' && matchGlobList(m.list, s.path) !== undefined;
    case 'net': return s.family === 'net' && netPatternMatches(m.pattern, s.url, 'allow');
    case 'exec': return s.family === 'exec' && argvPatternMatches(m.pattern, s, 'allow', policy.matchers.caseInsensitive);
    case 'tool': return s.family === 'tool' && firstToolRule(m.list, s.tool) !== undefined;
    case 'none': return false;
  }
}

/** A path as a glob target: workspace-relative inside the workspace, `~/…` under home, `//abs` elsewhere. */
function pathTarget(policy: CompiledPolicy, abs: string, rel: string | null): string {
  if (rel !== null) return rel === '.' ? '**' : escapeGlob(rel);
  const home = toPosix(policy.homeDir).replace(/\/+$/, '');
  const a = toPosix(abs);
  if (a.startsWith(home + '/')) return '~/' + escapeGlob(a.slice(home.length + 1));
  return '/' + escapeGlob(a);
}

/**
 * The task-grant target that covers exactly this action and nothing else — for an "allow for this task" answer that
 * names no target: the path or URL path with its glob characters escaped (`{package.json,x}` matches only itself), or
 * the argv. Undefined when no pattern can name it exactly (the workspace root, an argv with a `*` or `**` word): the
 * answer then allows this one action only.
 */
export function exactGrantTarget(policy: CompiledPolicy, action: Action): string | string[] | undefined {
  const s = toSubject(policy, action);
  if (isUnmatchable(s)) return undefined;
  if (s.family === 'exec' && s.argv.some((a) => a === '*' || a === '**')) return undefined;
  if (s.family === 'fs' && s.path.rel === '.') return undefined;
  return suggestGrantTargets(policy, action)[0];
}

/**
 * Targets to offer for a task grant, narrowest first. fs: the exact path, then its folder `/**`; net: the exact
 * URL path, then the origin `https://host/**`; exec: the exact argv, then the program and first argument with `**`.
 */
export function suggestGrantTargets(policy: CompiledPolicy, action: Action): string[] | string[][] {
  const s = toSubject(policy, action);
  if (isUnmatchable(s)) return [];
  switch (s.family) {
    case 'fs': {
      const exact = pathTarget(policy, s.path.abs, s.path.rel);
      const parentAbs = path.dirname(s.path.abs);
      const parentRel = s.path.rel === null || s.path.rel === '.' ? null : (s.path.rel.includes('/') ? s.path.rel.slice(0, s.path.rel.lastIndexOf('/')) : '.');
      if (s.path.rel === '.' || parentAbs === s.path.abs) return [exact];
      if (parentRel === '.') return [exact];
      const folder = pathTarget(policy, parentAbs, parentRel);
      return [exact, `${folder}/**`];
    }
    case 'net': {
      const u = s.url;
      const hostText = u.hostIp?.family === 6 ? `[${u.host}]` : u.host;
      const port = DEFAULT_PORTS[u.scheme] === u.port ? '' : `:${u.port}`;
      const origin = `${u.scheme}://${hostText}${port}`;
      const exactPath = escapeGlob(u.pathname);
      return exactPath === '/**' ? [`${origin}/**`] : [`${origin}${exactPath}`, `${origin}/**`];
    }
    case 'exec': {
      const program = s.argv[0]!.includes('/') ? (s.program ?? s.argv[0]!) : s.argv[0]!;
      // A literal "**" argument cannot be written exactly; "*" (any one argument) is the narrowest pattern for it.
      const argv = [program, ...s.argv.slice(1).map((a) => (a === '**' ? '*' : a))];
      const out: string[][] = [argv];
      if (argv.length > 2) out.push([program, argv[1]!, '**']);
      if (argv.length > 1) out.push([program, '**']);
      return out;
    }
    case 'tool': {
      const server = s.tool.slice(0, s.tool.indexOf('/'));
      return [escapeToolName(s.tool), `${escapeToolName(server)}/*`];
    }
  }
}
