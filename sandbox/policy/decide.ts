// Architecture invariant: decisions are pure functions of (policy, task, grants, action, now): deny wins, then grants, then allows every layer agrees on, else ask/deny.
import path from 'node:path';
import { specialAddressKind, formatIp, type IpAddress } from './addresses.js';
import { protectedRootRemoved } from './builtins.js';
import type { CompiledPolicy } from './compile.js';
import { argumentPathCandidates, firstExecRule } from './exec.js';
import { describeTarget, needsEscaping, quoteArgv, quoteString, quoteTarget, redactedHref } from './format.js';
import { normalisePath } from './paths.js';
import { firstGlobRule } from './globs.js';
import { actionHash, grantCovers } from './grants.js';
import { firstNetRule, netListNamesAddress, type ParsedUrl } from './net.js';
import { firstToolRule } from './tools.js';
import type { RuleSet } from './ruleset.js';
import { isUnmatchable, toSubject, type Subject } from './subject.js';
import type { Task } from './task.js';
import type { Action, Decision, Grant, RuleRef } from './types.js';

/** A matched rule: its provenance, its description (`describeRule(ref)`) and, for rule-list rules, how reasons naming it end. */
interface Matched { readonly ref: RuleRef; readonly text: string }
interface ListRule extends Matched { readonly allowedBy: string; readonly deniedBy: string }

const POSIX = path.sep === '/';

/** A decision with its reason and, for refusals no rule list decides, its code. */
function decision(verdict: Decision['verdict'], rule: RuleRef, reason: string, code?: string): Decision {
  const d: Decision = { verdict, rule, reason };
  if (code !== undefined) d.code = code;
  return d;
}

/**
 * `fs.read "src/a.ts"`: the action kind and `quoteTarget(action)`, which every reason starts with, without normalising
 * a path or parsing a URL again when the subject shows what that would give: a path equal to its normalised form is
 * shown as written, and a URL is shown as written or, with credentials, as its parsed form with them hidden.
 */
function reasonHead(action: Action, s: Subject): string {
  switch (action.kind) {
    case 'net.fetch': {
      if (s.family !== 'net' || typeof action.url !== 'string') return `net.fetch ${quoteTarget(action)}`;
      const url = s.url;
      return `net.fetch ${quoteString(url.hasCredentials ? redactedHref(url.href, url.scheme.length + 1) : action.url)}`;
    }
    case 'exec':
      return s.family === 'exec' ? `exec ${quoteArgv(action.argv)}` : `exec ${quoteTarget(action)}`;
    case 'tool':
      return `tool ${quoteString(action.tool)}`;
    default: {
      const p = action.path;
      const shown = POSIX && s.family === 'fs' && (p === s.path.rel || p === s.path.abs) ? p : describeTarget(action);
      return needsEscaping(shown) ? `${action.kind} ${JSON.stringify(shown)}` : `${action.kind} "${shown}"`;
    }
  }
}

function denyIn(set: RuleSet, s: Subject, caseInsensitive: boolean): ListRule | undefined {
  switch (s.family) {
    case 'fs': return firstGlobRule(s.rule === 'read' ? set.fsRead.deny : set.fsWrite.deny, s.path);
    case 'net': return firstNetRule(set.net.deny, s.url, 'deny', s.address);
    case 'exec': return firstExecRule(set.exec.deny, s, 'deny', caseInsensitive);
    case 'tool': return firstToolRule(set.tools.deny, s.tool);
  }
}

function allowIn(set: RuleSet, s: Subject, caseInsensitive: boolean): ListRule | undefined {
  switch (s.family) {
    case 'fs': return firstGlobRule(s.rule === 'read' ? set.fsRead.allow : set.fsWrite.allow, s.path);
    case 'net': return firstNetRule(set.net.allow, s.url, 'allow');
    case 'exec': return firstExecRule(set.exec.allow, s, 'allow', caseInsensitive);
    case 'tool': return firstToolRule(set.tools.allow, s.tool);
  }
}

/** The SSRF refusal for one address the fetch would reach, unless it is not special or every layer's allow names it. */
function specialAddressDeny(policy: CompiledPolicy, head: string, url: ParsedUrl, ip: IpAddress | undefined): Decision | undefined {
  if (!ip) return undefined;
  const kind = specialAddressKind(ip);
  if (!kind) return undefined;
  const layers = policy.matchers.layers;
  if (layers.length > 0 && layers.every((l) => netListNamesAddress(l.net.allow, url, ip) !== undefined)) return undefined;
  const shown = formatIp(ip);
  return decision('deny', { layer: 'builtin' }, `${head} is denied: it would connect to ${shown}, ${kind}, and only an allow rule naming that IP or range `
    + `(e.g. "${url.scheme}://${ip.family === 6 ? `[${shown}]` : shown}:${url.port}/**") opens such an address.`, 'net.ssrf');
}

/**
 * A command's arguments are a first line before its confinement: a command whose arguments name a protected path
 * (`rm .airlock/policy.json`, `cp x .git/hooks/pre-commit`, `--output=<the log>`, `sort -o.git/config`) is refused
 * outright. Arguments, the values of `--opt=value` and attached short-option values are read as paths from the
 * command's working directory; the guard adds `paths`, the same candidates and the working directory resolved through
 * symlinks from the real directory the command runs in, and each of those is checked as well.
 */
function protectedArgumentDeny(policy: CompiledPolicy, head: string, action: Extract<Action, { kind: 'exec' | 'tool' }>): Decision | undefined {
  const m = policy.matchers;
  const base = action.kind === 'exec' && action.cwd ? path.resolve(policy.workspaceRoot, action.cwd) : policy.workspaceRoot;
  const check = (given: string, shown: string): Decision | undefined => {
    const p = normalisePath(policy.workspaceRoot, policy.homeDir, given, { caseInsensitive: m.caseInsensitive });
    const hit: Matched | undefined = firstGlobRule(m.builtin.writeDeny, p)
      ?? (p.rel !== '.' ? protectedRootRemoved(m.builtin, p, m.caseInsensitive, { ancestorsOfAbsolute: false }) : undefined);
    if (!hit) return undefined;
    return decision('deny', hit.ref, `${head} is denied: ${shown} names a path under ${hit.text}, `
      + `which no ${action.kind === 'exec' ? 'command' : 'tool'} may be given or run in; Airlock keeps its own files, git metadata and editor settings out of ${action.kind === 'exec' ? 'commands' : 'tools'}' reach.`, `${action.kind}.protected-argument`);
  };
  // A tool's string arguments are read as a command's are: an MCP server runs outside the sandbox.
  const argv = action.kind === 'exec' ? action.argv : ['', ...(action.args ?? [])];
  for (const { index, candidate } of argumentPathCandidates(argv)) {
    const given = candidate === '~' || candidate.startsWith('~/') || path.isAbsolute(candidate) ? candidate : path.join(base, candidate);
    const d = check(given, `its argument ${index} (${quoteString(argv[index] as string)})`);
    if (d) return d;
  }
  for (const real of action.kind === 'exec' ? action.paths ?? [] : []) {
    const d = check(real, `the working directory or an argument, resolved through symlinks to ${quoteString(real)},`);
    if (d) return d;
  }
  return undefined;
}

/** Built-in refusals: protected files, URLs that can never be fetched, special addresses no rule names. */
function builtinDeny(policy: CompiledPolicy, head: string, s: Subject, action: Action): Decision | undefined {
  const m = policy.matchers;
  if (s.family === 'fs') {
    const hit: Matched | undefined = firstGlobRule(s.rule === 'write' ? m.builtin.writeDeny : m.builtin.readDeny, s.path)
      ?? (s.kind === 'fs.delete' ? protectedRootRemoved(m.builtin, s.path, m.caseInsensitive) : undefined);
    if (!hit) return undefined;
    return decision('deny', hit.ref, `${head} is denied by ${hit.text}, which no policy can open; `
      + 'Airlock protects its own files, git hooks and config, and editor settings.');
  }
  if (s.family === 'exec' || s.family === 'tool') return action.kind === 'exec' || action.kind === 'tool' ? protectedArgumentDeny(policy, head, action) : undefined;
  const url = s.url;
  if (url.scheme !== 'http' && url.scheme !== 'https') {
    return decision('deny', { layer: 'builtin' }, `${head} is denied: only http and https URLs can be fetched, not ${url.scheme}.`, 'net.scheme');
  }
  if (url.hasCredentials) {
    return decision('deny', { layer: 'builtin' }, `${head} is denied: URLs must not carry credentials (user:password@); send them another way or not at all.`, 'net.credentials');
  }
  return specialAddressDeny(policy, head, url, url.hostIp) ?? specialAddressDeny(policy, head, url, s.address);
}

function taskLabel(task: Task): string {
  return `task ${JSON.stringify(task.id)} (${task.intent})`;
}

/**
 * Decide an action. Order: built-in protections and every layer's denies (deny always wins); then a grant of the current
 * task; then an allow that every policy layer and the task scope agree on; a policy allow outside the task scope is
 * asked; anything else gets the policy default. Never throws for a bad action: it is denied with a code.
 */
export function decide(policy: CompiledPolicy, task: Task | null, grants: readonly Grant[], action: Action, now?: number): Decision {
  // The clock matters only to a task; reading it costs more than some whole decisions.
  if (task && task.expires <= (now ?? Date.now())) {
    return decision('deny', { layer: 'task' }, `${action.kind} ${quoteTarget(action)} is denied because ${taskLabel(task)} has expired; start a new task to continue.`, 'task.expired');
  }
  const s = toSubject(policy, action);
  if (isUnmatchable(s)) {
    return decision('deny', { layer: 'builtin' }, `${action.kind} ${quoteTarget(action)} is denied: ${s.why}.`, s.code);
  }
  const m = policy.matchers;
  const ci = m.caseInsensitive;
  const head = reasonHead(action, s);

  const builtin = builtinDeny(policy, head, s, action);
  if (builtin) return builtin;
  for (const set of m.layers) {
    const hit = denyIn(set, s, ci);
    if (hit) return decision('deny', hit.ref, head + hit.deniedBy);
  }
  if (task) {
    for (const set of task.scope.sets) {
      const hit = denyIn(set, s, ci);
      if (hit) return decision('deny', hit.ref, head + hit.deniedBy);
    }
  }

  if (grants.length > 0) {
    let hash: string | undefined;
    for (const g of grants) {
      if (g.kind !== action.kind) continue;
      // Task grants live only as long as their task; a once grant made outside any task is valid only outside one.
      if (g.scope === 'task' && (!task || g.taskId !== task.id)) continue;
      if (g.scope === 'once' && task && g.taskId !== task.id) continue;
      const covered = g.scope === 'once' ? g.actionHash === (hash ??= actionHash(policy, action, s)) : grantCovers(policy, g, action, s);
      if (covered) {
        const pattern = g.scope === 'task' ? (typeof g.target === 'string' ? g.target : JSON.stringify(g.target)) : undefined;
        return decision('allow', { layer: 'grant', grantId: g.id, ...(pattern !== undefined ? { pattern } : {}) },
          `${head} is allowed by the user's ${g.scope === 'once' ? 'one-time' : 'task'} grant ${g.id}.`);
      }
    }
  }

  // Every layer is asked (not only until one says no): the default's reason names a layer that allows it, if any.
  const layers = m.layers;
  let allows: (ListRule | undefined)[] | undefined;
  let allAllow: boolean;
  let last: ListRule | undefined;
  if (layers.length === 1) {
    last = allowIn(layers[0]!, s, ci);
    allAllow = last !== undefined;
  } else {
    allows = [];
    allAllow = layers.length > 0;
    for (const set of layers) {
      last = allowIn(set, s, ci);
      allows.push(last);
      if (!last) allAllow = false;
    }
  }
  if (allAllow) {
    const policyRule = last!;
    if (!task) return decision('allow', policyRule.ref, head + policyRule.allowedBy);
    let scopeRule: ListRule = policyRule;
    let scopeAllows = true;
    for (const set of task.scope.sets) {
      const hit = allowIn(set, s, ci);
      if (!hit) { scopeAllows = false; break; }
      scopeRule = hit;
    }
    if (scopeAllows) {
      return decision('allow', scopeRule.ref, `${head} is allowed by ${policyRule.text} and ${scopeRule.text} of ${taskLabel(task)}.`);
    }
    return decision('ask', { layer: 'task' },
      `${head} is allowed by ${policyRule.text} but the scope of ${taskLabel(task)} does not cover it, so the user is asked.`);
  }

  // With one layer (or none) nothing allowed it at all; with several, one may allow what another does not.
  let partial = '';
  if (allows !== undefined) {
    const someAllow = allows.findIndex((r) => r !== undefined);
    const missing = layers.find((_l, i) => allows[i] === undefined);
    if (someAllow >= 0 && missing) {
      partial = ` ${allows[someAllow]!.text} allows it but the ${missing.layer} policy does not, and a ${layers[someAllow]!.layer} rule cannot widen it;`;
    }
  }
  return decision(policy.default, { layer: 'default' }, `no rule allows ${head};${partial} the policy default is ${policy.default}.`);
}
