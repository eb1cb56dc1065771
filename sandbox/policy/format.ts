// Human and agent-facing text for actions, rules and decisions: one line for the CLI, one sentence for the agent.
import path from 'node:path';
import type { Action, Decision, RuleRef } from './types.js';

/** The target as a person reads it: the path as written (normalised), the URL (password hidden), or argv as JSON. */
export function describeTarget(action: Action): string {
  switch (action.kind) {
    case 'net.fetch': return redactUrl(action.url);
    case 'exec': return JSON.stringify(action.argv);
    default: {
      const p = action.path;
      if (typeof p !== 'string' || p === '' || p.includes('\0')) return JSON.stringify(p ?? '');
      return path.posix.normalize(path.sep === '/' ? p : p.split(path.sep).join('/'));
    }
  }
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '' && u.username === '') return url;
    if (u.password !== '') u.password = '***';
    if (u.username !== '') u.username = '***';
    return u.href;
  } catch {
    return url;
  }
}

/** The target quoted for a sentence: `"src/a.ts"`, `"https://x/"`, or the argv JSON array as is. */
export function quoteTarget(action: Action): string {
  return action.kind === 'exec' ? describeTarget(action) : JSON.stringify(describeTarget(action));
}

/** `workspace policy fs.write.deny[0] "package.json"`, `built-in protection ".git/hooks/**"`, `grant g1`, ... */
export function describeRule(rule: RuleRef, opts: { place?: boolean } = {}): string {
  const pattern = rule.pattern !== undefined ? ` ${JSON.stringify(rule.pattern)}` : '';
  const place = opts.place && rule.file !== undefined
    ? ` (${[rule.file, rule.line, rule.col].filter((x) => x !== undefined).join(':')})` : '';
  switch (rule.layer) {
    case 'builtin': return `built-in protection${pattern}`;
    case 'grant': return `grant ${rule.grantId ?? '(unnamed)'}${pattern}`;
    case 'default': return 'the policy default';
    case 'task': return rule.jsonPath !== undefined ? `task scope ${rule.jsonPath}${pattern}${place}` : 'the task scope';
    default: return `${rule.layer} policy ${rule.jsonPath ?? ''}${pattern}${place}`.replace('  ', ' ');
  }
}

/** One CLI line, e.g. `deny  fs.write  .git/hooks/pre-commit  ← built-in protection ".git/hooks/**"`. */
export function formatDecision(action: Action, d: Decision): string {
  const why = d.rule.layer === 'default' || (d.rule.layer === 'task' && d.rule.pattern === undefined) || d.rule.layer === 'builtin' && d.rule.pattern === undefined
    ? d.reason : describeRule(d.rule, { place: true });
  return `${d.verdict.padEnd(5)} ${action.kind}  ${describeTarget(action)}  ← ${why}`;
}

/** For the agent, e.g. `Airlock denied fs.write "package.json": workspace policy fs.write.deny[0] "package.json"`. */
export function deniedMessage(action: Action, d: Decision): string {
  const head = `Airlock denied ${action.kind} ${quoteTarget(action)}`;
  if (d.verdict === 'deny' && d.rule.pattern !== undefined && d.code === undefined) return `${head}: ${describeRule(d.rule)}`;
  return `${head}: ${d.reason}`;
}
