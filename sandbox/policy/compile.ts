// Compiles a ResolvedPolicy once into matchers (per layer, per rule list) plus its merged scalars: default, limits, approval.
import { compileBuiltins, type BuiltinProtections } from './builtins.js';
import { PLATFORM_CASE_INSENSITIVE } from './paths.js';
import { compileRuleSet, formatJsonPath, type RuleSet } from './ruleset.js';
import { DEFAULT_APPROVAL, DEFAULT_LIMITS, DEFAULT_TTL_SECONDS, type Limits, type Scope } from './schema.js';
import type { PolicySource, ResolvedPolicy } from './source.js';

export interface CompileOptions {
  /** Absolute paths (e.g. Airlock's log directory) whose subtrees the agent may neither read nor write. */
  protectedPaths?: readonly string[];
  /** Absolute paths (the user's baseline policy) the agent may read but never change, files or folders. */
  writeProtectedPaths?: readonly string[];
  /** Compare paths case-insensitively. Defaults to the platform: true on darwin and win32, false on linux. */
  caseInsensitive?: boolean;
}

export interface TaskTemplateInfo { intent: string; scope: Scope; ttlSeconds: number; file: string; jsonPath: string }

/** The compiled matchers: private to the policy engine (decide, tasks, grants); other code treats it as opaque. */
export interface PolicyMatchers {
  readonly caseInsensitive: boolean;
  readonly builtin: BuiltinProtections;
  /** The policy layers present (with at least one source), baseline first. An allow needs every one of them. */
  readonly layers: readonly RuleSet[];
  /** Task templates' scopes, compiled (layer 'task'). */
  readonly templates: ReadonlyMap<string, RuleSet>;
  /** Compiled grant targets, by kind and target text. */
  readonly grantTargets: Map<string, unknown>;
}

export interface CompiledPolicy {
  readonly resolved: ResolvedPolicy;
  readonly hash: string;
  readonly workspaceRoot: string;
  readonly homeDir: string;
  /** Strictest across layers; within a layer the last source that says wins; 'ask' when none says. */
  readonly default: 'ask' | 'deny';
  readonly limits: Limits;
  /** Whether commands run confined: "off" only when a layer says so and none says "on". */
  readonly execConfine: 'on' | 'off';
  readonly approval: { timeoutSeconds: number; onTimeout: 'deny' };
  readonly tasks: Readonly<Record<string, TaskTemplateInfo>>;
  readonly matchers: PolicyMatchers;
}

/** Within a layer the last source that sets a value wins; across layers `pick` chooses (the stricter value). */
function mergeScalar<T>(resolved: ResolvedPolicy, get: (s: PolicySource) => T | undefined, pick: (a: T, b: T) => T): T | undefined {
  let result: T | undefined;
  for (const layer of resolved.layers) {
    let inLayer: T | undefined;
    for (const s of layer.sources) inLayer = get(s) ?? inLayer;
    if (inLayer !== undefined) result = result === undefined ? inLayer : pick(result, inLayer);
  }
  return result;
}

export function compilePolicy(resolved: ResolvedPolicy, options: CompileOptions = {}): CompiledPolicy {
  const caseInsensitive = options.caseInsensitive ?? PLATFORM_CASE_INSENSITIVE;
  const ctx = { homeDir: resolved.homeDir, caseInsensitive };

  const presentLayers = resolved.layers.filter((l) => l.sources.length > 0);
  const layers = presentLayers.map((l) => compileRuleSet(l.layer, l.sources.map((s) => ({
    scope: s.doc, file: s.file, prefix: [], locate: (p: readonly (string | number)[]) => s.locate(p),
  })), ctx));

  const defaultVerdict = mergeScalar<'ask' | 'deny'>(resolved, (s) => s.doc.default, (a, b) => (a === 'deny' || b === 'deny' ? 'deny' : 'ask')) ?? 'ask';

  const limits = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    limits[key] = mergeScalar(resolved, (s) => s.doc.limits?.[key], Math.min) ?? DEFAULT_LIMITS[key];
  }
  const timeoutSeconds = mergeScalar(resolved, (s) => s.doc.approval?.timeoutSeconds, Math.min) ?? DEFAULT_APPROVAL.timeoutSeconds;

  // Templates: a later source (and the workspace after the baseline) redefines a template of the same name.
  const tasks: Record<string, TaskTemplateInfo> = {};
  const templates = new Map<string, RuleSet>();
  for (const layer of resolved.layers) {
    for (const s of layer.sources) {
      for (const [name, t] of Object.entries(s.doc.tasks ?? {})) {
        tasks[name] = {
          intent: t.intent, scope: t.scope, ttlSeconds: t.ttlSeconds ?? DEFAULT_TTL_SECONDS,
          file: s.file, jsonPath: formatJsonPath(['tasks', name]),
        };
        templates.set(name, compileRuleSet('task', [{
          scope: t.scope, file: s.file, prefix: ['tasks', name, 'scope'], locate: (p) => s.locate(p),
        }], ctx));
      }
    }
  }

  return {
    resolved,
    hash: resolved.hash,
    workspaceRoot: resolved.workspaceRoot,
    homeDir: resolved.homeDir,
    default: defaultVerdict,
    limits,
    execConfine: mergeScalar<'on' | 'off'>(resolved, (s) => s.doc.exec?.confine, (a, b) => (a === 'on' || b === 'on' ? 'on' : 'off')) ?? 'on',
    approval: { timeoutSeconds, onTimeout: 'deny' },
    tasks,
    matchers: {
      caseInsensitive,
      builtin: compileBuiltins(ctx, options.protectedPaths ?? [], options.writeProtectedPaths ?? []),
      layers,
      templates,
      grantTargets: new Map(),
    },
  };
}
