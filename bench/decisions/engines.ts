// The three decision engines behind one signature: an Airlock Action in, a verdict and the rule(s) behind it out.
import { preparsePolicySet, statefulIsAuthorized, type AuthorizationAnswer } from '@cedar-policy/cedar-wasm/nodejs';
import { newEnforcer, newModelFromString, type Enforcer as CasbinEnforcer } from 'casbin';
import path from 'node:path';
import type { CompiledPolicy } from '../../sandbox/policy/compile.js';
import type { Action, Decision, Verdict } from '../../sandbox/policy/types.js';
import type { AirlockLib } from '../build.js';
import { absolutePath, authoredRules, CASBIN_MODEL, toCasbin, toCedar, type Family, type Roots } from './translate.js';

/** What the equivalence check compares: the verdict, and the ids of the rules the engine cites for it. */
export interface Verdicts { verdict: Verdict; rules: string[] }

export interface Engine<D> {
  name: string;
  /** The timed call: a decision with its provenance, in the engine's own form. */
  decide(action: Action): D;
  /** The verdict and the cited rules, read from that decision (not timed). */
  read(d: D): Verdicts;
}

const FAMILY: Record<Action['kind'], Family> = {
  'fs.read': 'read', 'fs.list': 'read', 'fs.stat': 'read',
  'fs.write': 'write', 'fs.delete': 'write', 'fs.mkdir': 'write',
  'net.fetch': 'net', exec: 'exec', tool: 'exec',
};

/** The id translate.ts gives the Cedar policy and casbin line made from the rule behind an Airlock decision. */
export function airlockRuleId(d: Decision): string {
  const r = d.rule;
  if (r.layer === 'default') return 'default';
  if (r.layer === 'builtin') return r.pattern !== undefined ? `builtin:${r.pattern}` : `builtin:${d.code ?? '?'}`;
  return `${r.file ?? r.layer}#${r.jsonPath ?? ''}`;
}

export function airlockEngine(lib: AirlockLib, policy: CompiledPolicy): Engine<Decision> {
  const decide = lib.decide;
  return {
    name: 'Airlock',
    decide: (action) => decide(policy, null, [], action),
    read: (d) => ({ verdict: d.verdict, rules: [airlockRuleId(d)] }),
  };
}

let cedarSets = 0;

/** Cedar through its wasm build, with the policy set parsed once (preparsePolicySet) and reused by every request. */
export function cedarEngine(policy: CompiledPolicy, roots: Roots, defaultVerdict: Verdict): Engine<AuthorizationAnswer> {
  const id = `airlock-bench-${++cedarSets}`;
  const parsed = preparsePolicySet(id, { staticPolicies: toCedar(authoredRules(policy), roots) });
  if (parsed.type !== 'success') {
    throw new Error(`Cedar rejected the translated policy: ${parsed.errors.map((e) => e.message).join('; ')}`);
  }
  const principal = { type: 'Agent', id: 'agent' };
  return {
    name: 'Cedar',
    decide: (action) => statefulIsAuthorized({
      principal, action: { type: 'Action', id: action.kind }, ...cedarResource(action, roots), preparsedPolicySetId: id, entities: [],
    }),
    read: (answer) => {
      if (answer.type !== 'success') throw new Error(`Cedar failed: ${answer.errors.map((e) => e.message).join('; ')}`);
      const { decision, diagnostics } = answer.response;
      if (diagnostics.errors.length > 0) throw new Error(`Cedar policy errors: ${diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`).join('; ')}`);
      // Cedar knows allow and deny only: a deny no forbid policy caused is "no rule allows it", Airlock's default.
      if (decision === 'allow') return { verdict: 'allow', rules: diagnostics.reason };
      return diagnostics.reason.length > 0 ? { verdict: 'deny', rules: diagnostics.reason } : { verdict: defaultVerdict, rules: ['default'] };
    },
  };
}

function cedarResource(action: Action, roots: Roots): { resource: { type: string; id: string }; context: Record<string, string | number | boolean> } {
  switch (action.kind) {
    case 'net.fetch': {
      const u = new URL(action.url);
      const scheme = u.protocol.slice(0, -1);
      const port = u.port !== '' ? Number(u.port) : scheme === 'https' ? 443 : scheme === 'http' ? 80 : 0;
      return {
        resource: { type: 'Url', id: u.href },
        context: { scheme, host: u.hostname.replace(/\.$/, ''), port, path: u.pathname, creds: u.username !== '' || u.password !== '' },
      };
    }
    case 'exec': {
      const argv0 = action.argv[0] ?? '';
      return {
        resource: { type: 'Command', id: JSON.stringify(action.argv) },
        context: { argv0, prog: path.posix.basename(argv0), args: action.argv.slice(1).join(' '), argc: action.argv.length },
      };
    }
    case 'tool': throw new Error('the peer engines are not asked about tools');
    default: {
      const abs = absolutePath(action.path, roots);
      return { resource: { type: 'Path', id: abs }, context: { path: abs } };
    }
  }
}

/** casbin with a matcher that globs (minimatch), key-matches or regex-matches per line, deny-overrides effect. */
export async function casbinEngine(policy: CompiledPolicy, roots: Roots, defaultVerdict: Verdict): Promise<Engine<[boolean, string[]]>> {
  const enforcer: CasbinEnforcer = await newEnforcer(newModelFromString(CASBIN_MODEL));
  await enforcer.addPolicies(toCasbin(authoredRules(policy), roots));
  return {
    name: 'casbin',
    decide: (action) => enforcer.enforceExSync('agent', FAMILY[action.kind], casbinObject(action, roots)),
    read: ([allowed, explain]) => {
      const rule = explain[explain.length - 1];
      if (allowed) return { verdict: 'allow', rules: rule !== undefined ? [rule] : [] };
      return explain.length > 0 ? { verdict: 'deny', rules: rule !== undefined ? [rule] : [] } : { verdict: defaultVerdict, rules: ['default'] };
    },
  };
}

function casbinObject(action: Action, roots: Roots): string {
  switch (action.kind) {
    case 'net.fetch': return new URL(action.url).href;
    case 'exec': return action.argv.join(' ');
    case 'tool': return action.tool;
    default: return absolutePath(action.path, roots);
  }
}
