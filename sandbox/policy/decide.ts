// Architecture invariant: decisions are pure functions of (policy, task, grants, action, now): deny wins, then grants, then allows every layer agrees on, else ask/deny.
import { specialAddressKind, formatIp } from './addresses.js';
import { deleteRemovesProtected } from './builtins.js';
import type { CompiledPolicy } from './compile.js';
import { matchExecList } from './exec.js';
import { describeRule, quoteTarget } from './format.js';
import { matchGlobList } from './globs.js';
import { actionHash, grantCovers } from './grants.js';
import { matchNetList, netListNamesAddress } from './net.js';
import type { RuleSet } from './ruleset.js';
import { isUnmatchable, toSubject, type Subject } from './subject.js';
import type { Task } from './task.js';
import type { Action, Decision, Grant, RuleRef } from './types.js';

const WRITE_KINDS = new Set(['fs.write', 'fs.delete', 'fs.mkdir']);

/** A decision with its reason and, for refusals no rule list decides, its code. */
function decision(verdict: Decision['verdict'], rule: RuleRef, why: () => string, code?: string): Decision {
  const d: Decision = { verdict, rule, reason: why() };
  if (code !== undefined) d.code = code;
  return d;
}

function denyIn(set: RuleSet, s: Subject, caseInsensitive: boolean): RuleRef | undefined {
  switch (s.family) {
    case 'fs': return matchGlobList(s.rule === 'read' ? set.fsRead.deny : set.fsWrite.deny, s.path);
    case 'net': return matchNetList(set.net.deny, s.url, 'deny', s.address);
    case 'exec': return matchExecList(set.exec.deny, s, 'deny', caseInsensitive);
  }
}

function allowIn(set: RuleSet, s: Subject, caseInsensitive: boolean): RuleRef | undefined {
  switch (s.family) {
    case 'fs': return matchGlobList(s.rule === 'read' ? set.fsRead.allow : set.fsWrite.allow, s.path);
    case 'net': return matchNetList(set.net.allow, s.url, 'allow');
    case 'exec': return matchExecList(set.exec.allow, s, 'allow', caseInsensitive);
  }
}

/** Built-in refusals: protected files, URLs that can never be fetched, special addresses no rule names. */
function builtinDeny(policy: CompiledPolicy, action: Action, s: Subject, target: () => string): Decision | undefined {
  const m = policy.matchers;
  if (s.family === 'fs') {
    const write = WRITE_KINDS.has(s.kind);
    const ref = matchGlobList(write ? m.builtin.writeDeny : m.builtin.readDeny, s.path)
      ?? (s.kind === 'fs.delete' ? deleteRemovesProtected(m.builtin, s.path, m.caseInsensitive) : undefined);
    if (!ref) return undefined;
    return decision('deny', ref, () => `${action.kind} ${target()} is denied by ${describeRule(ref)}, which no policy can open; `
      + 'Airlock protects its own files, git hooks and config, and editor settings.');
  }
  if (s.family !== 'net') return undefined;
  const builtin: RuleRef = { layer: 'builtin' };
  if (s.url.scheme !== 'http' && s.url.scheme !== 'https') {
    const scheme = s.url.scheme;
    return decision('deny', builtin, () => `net.fetch ${target()} is denied: only http and https URLs can be fetched, not ${scheme}.`, 'net.scheme');
  }
  if (s.url.hasCredentials) {
    return decision('deny', builtin, () => `net.fetch ${target()} is denied: URLs must not carry credentials (user:password@); send them another way or not at all.`, 'net.credentials');
  }
  for (const ip of [s.url.hostIp, s.address]) {
    if (!ip) continue;
    const kind = specialAddressKind(ip);
    if (!kind) continue;
    const named = m.layers.length > 0 && m.layers.every((l) => netListNamesAddress(l.net.allow, s.url, ip) !== undefined);
    if (named) continue;
    const shown = formatIp(ip);
    const url = s.url;
    return decision('deny', builtin, () => `net.fetch ${target()} is denied: it would connect to ${shown}, ${kind}, and only an allow rule naming that IP or range `
      + `(e.g. "${url.scheme}://${ip.family === 6 ? `[${shown}]` : shown}:${url.port}/**") opens such an address.`, 'net.ssrf');
  }
  return undefined;
}

function taskLabel(task: Task): string {
  return `task ${JSON.stringify(task.id)} (${task.intent})`;
}

/**
 * Decide an action. Order: built-in protections and every layer's denies (deny always wins); then a grant of the current
 * task; then an allow that every policy layer and the task scope agree on; a policy allow outside the task scope is
 * asked; anything else gets the policy default. Never throws for a bad action: it is denied with a code.
 */
export function decide(policy: CompiledPolicy, task: Task | null, grants: readonly Grant[], action: Action, now: number = Date.now()): Decision {
  const target = () => quoteTarget(action);
  if (task && task.expires <= now) {
    return decision('deny', { layer: 'task' }, () => `${action.kind} ${target()} is denied because ${taskLabel(task)} has expired; start a new task to continue.`, 'task.expired');
  }
  const s = toSubject(policy, action);
  if (isUnmatchable(s)) {
    const why = s.why;
    return decision('deny', { layer: 'builtin' }, () => `${action.kind} ${target()} is denied: ${why}.`, s.code);
  }
  const m = policy.matchers;

  const builtin = builtinDeny(policy, action, s, target);
  if (builtin) return builtin;
  const ruleSets = task ? [...m.layers, ...task.scope.sets] : m.layers;
  for (const set of ruleSets) {
    const ref = denyIn(set, s, m.caseInsensitive);
    if (ref) return decision('deny', ref, () => `${action.kind} ${target()} is denied by ${describeRule(ref)}; deny rules cannot be overridden.`);
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
          () => `${action.kind} ${target()} is allowed by the user's ${g.scope === 'once' ? 'one-time' : 'task'} grant ${g.id}.`);
      }
    }
  }

  const policyRefs = m.layers.map((l) => allowIn(l, s, m.caseInsensitive));
  const policyAllows = policyRefs.length > 0 && policyRefs.every((r) => r !== undefined);
  if (policyAllows) {
    const policyRef = policyRefs[policyRefs.length - 1]!;
    if (!task) return decision('allow', policyRef, () => `${action.kind} ${target()} is allowed by ${describeRule(policyRef)}.`);
    const scopeRefs = task.scope.sets.map((set) => allowIn(set, s, m.caseInsensitive));
    if (scopeRefs.every((r) => r !== undefined)) {
      const scopeRef = scopeRefs[scopeRefs.length - 1] ?? policyRef;
      return decision('allow', scopeRef, () => `${action.kind} ${target()} is allowed by ${describeRule(policyRef)} and ${describeRule(scopeRef)} of ${taskLabel(task)}.`);
    }
    return decision('ask', { layer: 'task' },
      () => `${action.kind} ${target()} is allowed by ${describeRule(policyRef)} but the scope of ${taskLabel(task)} does not cover it, so the user is asked.`);
  }

  return decision(policy.default, { layer: 'default' }, () => {
    const someAllow = policyRefs.findIndex((r) => r !== undefined);
    const missing = m.layers.find((_l, i) => policyRefs[i] === undefined);
    const partial = someAllow >= 0 && missing
      ? ` ${describeRule(policyRefs[someAllow]!)} allows it but the ${missing.layer} policy does not, and a ${m.layers[someAllow]!.layer} rule cannot widen it;`
      : '';
    return `no rule allows ${action.kind} ${target()};${partial} the policy default is ${policy.default}.`;
  });
}
