// Tasks: a named intent with a scope that narrows the policy for a while; started from a template or an explicit scope.
import { AirlockError } from '../errors.js';
import type { CompiledPolicy } from './compile.js';
import { compileRuleSet, type RuleSet } from './ruleset.js';
import { DEFAULT_TTL_SECONDS, ScopeSchema, type Scope } from './schema.js';

/** A task's scope, compiled. Every set must allow an action (a template plus an explicit scope narrow each other). */
export interface CompiledScope {
  readonly sets: readonly RuleSet[];
  /** Where the scope came from, for messages: `template "fix-tests"` or `an explicit scope`. */
  readonly origin: string;
}

export interface Task {
  id: string;
  intent: string;
  template?: string;
  scope: CompiledScope;
  /** Epoch milliseconds. */
  started: number;
  /** Epoch milliseconds; at or after this instant the task has ended. */
  expires: number;
}

export function startTask(policy: CompiledPolicy, opts: {
  id: string; now: number; intent?: string; template?: string; scope?: Scope; ttlSeconds?: number; scopeFile?: string;
}): Task {
  const sets: RuleSet[] = [];
  const origins: string[] = [];
  let intent = opts.intent;
  let ttl = opts.ttlSeconds;
  if (opts.template !== undefined) {
    const info = Object.hasOwn(policy.tasks, opts.template) ? policy.tasks[opts.template] : undefined;
    const compiled = policy.matchers.templates.get(opts.template);
    if (!info || !compiled) {
      const names = Object.keys(policy.tasks);
      throw new AirlockError({
        code: 'task.unknown-template',
        message: `There is no task template ${JSON.stringify(opts.template)}; `
          + (names.length ? `the policy defines ${names.map((n) => JSON.stringify(n)).join(', ')}.` : 'the policy defines no task templates.'),
      });
    }
    sets.push(compiled);
    origins.push(`template ${JSON.stringify(opts.template)}`);
    intent ??= info.intent;
    ttl ??= info.ttlSeconds;
  }
  if (opts.scope !== undefined) {
    const parsed = ScopeSchema.safeParse(opts.scope);
    if (!parsed.success) {
      throw new AirlockError({
        code: 'task.invalid-scope',
        message: `The task scope is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(scope)'}: ${i.message}`).join('; ')}.`,
        ...(opts.scopeFile ? { place: { file: opts.scopeFile } } : {}),
      });
    }
    sets.push(compileRuleSet('task', [{ scope: parsed.data, prefix: [], ...(opts.scopeFile ? { file: opts.scopeFile } : {}) }],
      { homeDir: policy.homeDir, caseInsensitive: policy.matchers.caseInsensitive }));
    origins.push(opts.scopeFile ? `the scope in ${opts.scopeFile}` : 'an explicit scope');
  }
  if (sets.length === 0) {
    throw new AirlockError({ code: 'task.no-scope', message: 'A task needs a template name or an explicit scope.' });
  }
  ttl ??= DEFAULT_TTL_SECONDS;
  if (!(ttl > 0) || !Number.isFinite(ttl)) {
    throw new AirlockError({ code: 'task.invalid-ttl', message: `The task lifetime must be a positive number of seconds, not ${ttl}.` });
  }
  return {
    id: opts.id,
    intent: intent ?? '(no intent given)',
    ...(opts.template !== undefined ? { template: opts.template } : {}),
    scope: { sets, origin: origins.join(' and ') },
    started: opts.now,
    expires: opts.now + ttl * 1000,
  };
}
