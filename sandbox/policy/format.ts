// Human and agent-facing text for actions, rules and decisions: one line for the CLI, one sentence for the agent.
import path from 'node:path';
import type { Action, Decision, RuleRef } from './types.js';

/** The target as a person reads it: the path as written (normalised), the URL (password hidden), or argv as JSON. */
export function describeTarget(action: Action): string {
  switch (action.kind) {
    case 'net.fetch': return redactUrl(action.url);
    case 'exec': return JSON.stringify(action.argv);
    case 'tool': return action.tool;
    default: {
      const p = action.path;
      if (typeof p !== 'string' || p === '' || p.includes('\0')) return JSON.stringify(p ?? '');
      // Without `//` or a `.`/`..` segment, normalising gives the path back unchanged: skip it.
      if (path.sep === '/' && !NEEDS_NORMALISING.test(p)) return p;
      return path.posix.normalize(path.sep === '/' ? p : p.split(path.sep).join('/'));
    }
  }
}

const NEEDS_NORMALISING = /\/\/|(?:^|\/)\.{1,2}(?:\/|$)/;

/** Would JSON.stringify(s) escape anything in it (a control character, `"`, `\\`, a surrogate)? */
export function needsEscaping(s: string): boolean {
  return ESCAPED.test(s);
}

const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(s)` for a string, without the serialiser's overhead when nothing in it needs escaping. */
export function quoteString(s: string): string {
  return needsEscaping(s) ? JSON.stringify(s) : `"${s}"`;
}

/** How an allow decision's reason ends, after `kind "target"` (built once per rule, when the policy is compiled). */
export function allowedBy(ruleText: string): string {
  return ` is allowed by ${ruleText}.`;
}

/** How a deny decision's reason ends, after `kind "target"` (built once per rule, when the policy is compiled). */
export function deniedBy(ruleText: string): string {
  return ` is denied by ${ruleText}; deny rules cannot be overridden.`;
}

/** `JSON.stringify(argv)`, quoting each string element with quoteString (anything else: JSON.stringify itself). */
export function quoteArgv(argv: readonly string[]): string {
  if (typeof (argv as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(argv);
  let out = '[';
  for (let i = 0; i < argv.length; i++) {
    const arg: unknown = argv[i];
    if (typeof arg !== 'string') return JSON.stringify(argv);
    out += i === 0 ? quoteString(arg) : `,${quoteString(arg)}`;
  }
  return `${out}]`;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password === '' && u.username === '') return url;
    return redactedHref(u.href, u.protocol.length);
  } catch {
    return url;
  }
}

/**
 * A serialised URL with credentials, its user name and password (each only if present) replaced by `***`, as setting
 * them to `***` gives: in the href the userinfo runs from after `scheme://` to the first `@`, as `username[:password]`,
 * with `:` and `@` percent-encoded inside each and `:password` written only when there is a password.
 */
export function redactedHref(href: string, protocolLength: number): string {
  const start = protocolLength + 2;
  const at = href.indexOf('@', start);
  const colon = href.indexOf(':', start);
  const hasPassword = colon >= 0 && colon < at;
  const hasUsername = (hasPassword ? colon : at) > start;
  return `${href.slice(0, start)}${hasUsername ? '***' : ''}${hasPassword ? ':***' : ''}${href.slice(at)}`;
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
