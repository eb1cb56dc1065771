// Installs `airlock hook` into each agent's settings (project or user scope), keeping what is there (comments included,
// through jsonc-parser edits), and says what it changes as a diff. The VS Code extension's "Connect Agents…" reuses it.
import fs from 'node:fs';
import path from 'node:path';
import { applyEdits, modify, parse, type FormattingOptions, type JSONPath, type ParseError } from 'jsonc-parser';
import type { AgentName } from './agents.js';
import { TOKEN_ENV } from './endpoint.js';
import type { HookApplied, HookPlanView } from '../protocol/protocol.js';

export type InstallScope = 'project' | 'user';

export interface InstallOptions {
  agent: AgentName;
  scope: InstallScope;
  workspaceRoot: string;
  homeDir: string;
  /** The command that runs the hook, up to the agent name (default: this installation's node and dist/hook.js). */
  command: string;
  /** Claude Code only: HTTP hook entries pointing at the user's endpoint on this loopback port, instead of the command. */
  http?: { port: number };
}

export interface InstallPlan {
  agent: AgentName;
  file: string;
  before: string | null;
  after: string | null;
  /** Unified-style line diff of before → after; empty when nothing changes. */
  diff: string;
  changed: boolean;
}

/** The marker every entry Airlock writes carries in its command, so it is found again (and only it is removed). */
export const MARKER = 'airlock-hook';

/** What marks an HTTP entry as Airlock's: a loopback URL at /hooks/<agent> that authenticates with Airlock's token variable. */
const HTTP_URL = /^http:\/\/(127\.0\.0\.1|localhost):(\d+)\/hooks\/([a-z-]+)(\?[^#]*)?$/;

/** The URL Airlock's HTTP hook entries point at (post-tool entries say so, for the shape of a failure). */
export function hookUrl(port: number, agent: AgentName, event?: 'post'): string {
  return `http://127.0.0.1:${port}/hooks/${agent}${event ? `?event=${event}` : ''}`;
}

/** Timeouts above the policy's approval wait (default 60 s), so the agent never gives up on a pending question first. */
const TIMEOUT_S = 120;

export function settingsFile(agent: AgentName, scope: InstallScope, workspaceRoot: string, homeDir: string): string {
  const base = scope === 'project' ? workspaceRoot : homeDir;
  switch (agent) {
    case 'claude-code': return path.join(base, '.claude', 'settings.json');
    case 'vscode': return scope === 'project' ? path.join(base, '.github', 'hooks', 'airlock-vscode.json') : path.join(base, '.copilot', 'hooks', 'airlock-vscode.json');
    case 'copilot': return scope === 'project' ? path.join(base, '.github', 'hooks', 'airlock-copilot.json') : path.join(base, '.copilot', 'hooks', 'airlock-copilot.json');
    case 'codex': return path.join(base, '.codex', 'hooks.json');
    case 'gemini': return path.join(base, '.gemini', 'settings.json');
    case 'cursor': return path.join(base, '.cursor', 'hooks.json');
  }
}

/** Where each agent lists hooks, and the entry Airlock adds there: [path of the array, entry]. */
function entries(agent: AgentName, command: string, httpPort?: number): Array<[JSONPath, unknown]> {
  const cmd = (event?: string) => `${command} ${agent}${event ? ` --event ${event}` : ''} #${MARKER}`;
  if (httpPort !== undefined) {
    if (agent !== 'claude-code') throw new Error(`${agent} cannot use an HTTP hook; only claude-code can (the others run command hooks): leave out --http`);
    // Claude Code posts the call to the endpoint with the token from its own environment (only variables listed in
    // allowedEnvVars are filled in). Over HTTP a non-2xx, a refused connection or a timeout lets the call through
    // unless onFailure is "block", so the pre-tool entry sets it: an endpoint that is down blocks instead.
    return ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'].map((e) => [['hooks', e], {
      matcher: '*',
      hooks: [{
        type: 'http', url: hookUrl(httpPort, agent, e === 'PreToolUse' ? undefined : 'post'),
        headers: { Authorization: `Bearer $${TOKEN_ENV}` }, allowedEnvVars: [TOKEN_ENV], timeout: TIMEOUT_S,
        ...(e === 'PreToolUse' ? { onFailure: 'block' } : {}),
      }],
    }]);
  }
  switch (agent) {
    case 'claude-code':
      // onFailure "block": a hook that cannot run (a moved extension, a crash, a timeout) blocks the call instead of
      // being skipped as a non-blocking error, so a broken hook never means an unchecked tool call.
      return ['PreToolUse', 'PostToolUse', 'PostToolUseFailure'].map((e) => [['hooks', e], {
        matcher: '*', hooks: [{ type: 'command', command: cmd(), timeout: TIMEOUT_S, ...(e === 'PreToolUse' ? { onFailure: 'block' } : {}) }],
      }]);
    case 'codex':
      return ['PreToolUse', 'PostToolUse'].map((e) => [['hooks', e], { hooks: [{ type: 'command', command: cmd(), timeout: TIMEOUT_S }] }]);
    case 'vscode':
      return ['PreToolUse', 'PostToolUse'].map((e) => [['hooks', e], { type: 'command', command: cmd(), timeout: TIMEOUT_S }]);
    case 'copilot':
      return [[['hooks', 'preToolUse'], { type: 'command', bash: cmd('pre'), timeoutSec: TIMEOUT_S }], [['hooks', 'postToolUse'], { type: 'command', bash: cmd('post'), timeoutSec: TIMEOUT_S }]];
    case 'gemini':
      return ['BeforeTool', 'AfterTool'].map((e) => [['hooks', e], { matcher: '.*', hooks: [{ type: 'command', command: cmd(), timeout: TIMEOUT_S * 1000 }] }]);
    case 'cursor':
      return ['preToolUse', 'beforeShellExecution', 'beforeReadFile', 'beforeMCPExecution', 'postToolUse'].map((e) => [['hooks', e], { command: cmd() }]);
  }
}

/** Top-level fields a fresh file of that format needs. */
function preamble(agent: AgentName): Array<[JSONPath, unknown]> {
  return agent === 'copilot' || agent === 'cursor' ? [[['version'], 1]] : [];
}

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };

/** Airlock's HTTP hooks in an entry (Claude Code's matcher group): their URL's port. */
function ourHttpHooks(entry: unknown): Array<{ url: string; port: number }> {
  const hooks = entry && typeof entry === 'object' ? (entry as { hooks?: unknown }).hooks : undefined;
  if (!Array.isArray(hooks)) return [];
  return hooks.flatMap((h: unknown) => {
    const hook = h as { type?: unknown; url?: unknown; allowedEnvVars?: unknown };
    if (hook?.type !== 'http' || typeof hook.url !== 'string') return [];
    const m = HTTP_URL.exec(hook.url);
    return m && Array.isArray(hook.allowedEnvVars) && hook.allowedEnvVars.includes(TOKEN_ENV) ? [{ url: hook.url, port: Number(m[2]) }] : [];
  });
}

function isOurs(entry: unknown): boolean {
  return JSON.stringify(entry ?? null).includes(`#${MARKER}`) || ourHttpHooks(entry).length > 0;
}

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseSettings(file: string, text: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  if (errors.length > 0) {
    const at = text.slice(0, errors[0]!.offset).split('\n');
    throw new Error(`${file}:${at.length}:${(at.at(-1)?.length ?? 0) + 1}: not valid JSON (with comments); fix it by hand, Airlock does not overwrite what it cannot read`);
  }
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new Error(`${file}: the settings are not a JSON object; fix it by hand`);
  }
  return value ?? {};
}

function at(value: unknown, p: JSONPath): unknown {
  let v: unknown = value;
  for (const k of p) v = v && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

/** Removes Airlock's entries from the text (highest index first, so the others keep their places). */
function withoutOurs(file: string, text: string, agent: AgentName): string {
  let out = text;
  for (const [arrayPath] of entries(agent, '')) {
    const list = at(parseSettings(file, out), arrayPath);
    if (!Array.isArray(list)) continue;
    for (let i = list.length - 1; i >= 0; i--) {
      if (isOurs(list[i])) out = applyEdits(out, modify(out, [...arrayPath, i], undefined, { formattingOptions: FORMAT }));
    }
  }
  return out;
}

export function planInstall(opts: InstallOptions): InstallPlan {
  const file = settingsFile(opts.agent, opts.scope, opts.workspaceRoot, opts.homeDir);
  const before = read(file);
  let text = withoutOurs(file, before ?? '{}\n', opts.agent);
  const current = parseSettings(file, text);
  for (const [p, v] of preamble(opts.agent)) if (at(current, p) === undefined) text = applyEdits(text, modify(text, p, v, { formattingOptions: FORMAT }));
  for (const [arrayPath, entry] of entries(opts.agent, opts.command, opts.http?.port)) {
    const list = at(parseSettings(file, text), arrayPath);
    text = Array.isArray(list)
      ? applyEdits(text, modify(text, [...arrayPath, -1], entry, { formattingOptions: FORMAT, isArrayInsertion: true }))
      : applyEdits(text, modify(text, arrayPath, [entry], { formattingOptions: FORMAT }));
  }
  if (!text.endsWith('\n')) text += '\n';
  return { agent: opts.agent, file, before, after: text, diff: lineDiff(before ?? '', text, file), changed: text !== before };
}

export function planUninstall(opts: Omit<InstallOptions, 'command'>): InstallPlan {
  const file = settingsFile(opts.agent, opts.scope, opts.workspaceRoot, opts.homeDir);
  const before = read(file);
  if (before === null) return { agent: opts.agent, file, before, after: null, diff: '', changed: false };
  const after = withoutOurs(file, before, opts.agent);
  return { agent: opts.agent, file, before, after, diff: lineDiff(before, after, file), changed: after !== before };
}

/** Writes a plan (atomically, keeping the file's mode); a plan that changes nothing writes nothing. */
export function applyPlan(plan: InstallPlan): void {
  if (!plan.changed || plan.after === null) return;
  fs.mkdirSync(path.dirname(plan.file), { recursive: true });
  const mode = (() => { try { return fs.statSync(plan.file).mode & 0o777; } catch { return 0o644; } })();
  const tmp = `${plan.file}.airlock-${process.pid}`;
  fs.writeFileSync(tmp, plan.after, { mode });
  fs.renameSync(tmp, plan.file);
}

export interface InstallStatus {
  agent: AgentName; scope: InstallScope; file: string; installed: boolean; problem?: string;
  /** How the installed hook is reached: a command, or Claude Code's HTTP hook (then the URL it posts to, and its port). */
  via?: 'command' | 'http';
  url?: string;
  port?: number;
}

export function installStatus(agent: AgentName, scope: InstallScope, workspaceRoot: string, homeDir: string): InstallStatus {
  const file = settingsFile(agent, scope, workspaceRoot, homeDir);
  try {
    const text = read(file);
    if (text === null) return { agent, scope, file, installed: false };
    const value = parseSettings(file, text);
    const ours = entries(agent, '').flatMap(([p]) => { const list = at(value, p); return Array.isArray(list) ? list.filter(isOurs) : []; });
    if (ours.length === 0) return { agent, scope, file, installed: false };
    const http = ours.flatMap(ourHttpHooks).find((h) => !h.url.includes('?'));
    return { agent, scope, file, installed: true, ...(http ? { via: 'http' as const, url: http.url, port: http.port } : { via: 'command' as const }) };
  } catch (err) {
    return { agent, scope, file, installed: false, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** A line diff (longest common subsequence): `-` removed, `+` added, two lines of context around each change. */
export function lineDiff(a: string, b: string, file: string): string {
  if (a === b) return '';
  const x = a === '' ? [] : a.replace(/\n$/, '').split('\n');
  const y = b.replace(/\n$/, '').split('\n');
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const ops: Array<[' ' | '-' | '+', string]> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { ops.push([' ', x[i]!]); i++; j++; } else if (j < m && (i >= n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) { ops.push(['+', y[j]!]); j++; } else { ops.push(['-', x[i]!]); i++; }
  }
  const keep = ops.map((_o, k) => ops.slice(Math.max(0, k - 2), k + 3).some((o) => o[0] !== ' '));
  const lines = [`--- ${a === '' ? '/dev/null' : file}`, `+++ ${file}`];
  let skipped = false;
  ops.forEach((o, k) => {
    if (keep[k]) { lines.push(`${o[0]}${o[1]}`); skipped = false; } else if (!skipped) { lines.push('@@'); skipped = true; }
  });
  return `${lines.join('\n')}\n`;
}

/** What connecting one agent would change, for a preview: the plan's diff, or the problem that stops it. */
export function previewInstall(opts: InstallOptions): HookPlanView {
  const status = installStatus(opts.agent, opts.scope, opts.workspaceRoot, opts.homeDir);
  try {
    const plan = planInstall(opts);
    return { agent: opts.agent, file: plan.file, installed: status.installed, changed: plan.changed, diff: plan.diff };
  } catch (err) {
    return { agent: opts.agent, file: status.file, installed: status.installed, changed: false, diff: '', problem: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Writes one agent's hook entries, but only the edit the user confirmed: the plan is made again from the file as it is
 * now, and a different diff (the file changed after the preview) writes nothing and says so.
 */
export function applyConfirmed(opts: InstallOptions, confirmedDiff: string): HookApplied {
  const file = settingsFile(opts.agent, opts.scope, opts.workspaceRoot, opts.homeDir);
  let plan: InstallPlan;
  try {
    plan = planInstall(opts);
  } catch (err) {
    return { agent: opts.agent, file, written: false, reason: err instanceof Error ? err.message : String(err) };
  }
  if (plan.diff !== confirmedDiff) {
    return { agent: opts.agent, file, written: false, reason: `${file} changed after the preview; nothing was written: preview again and confirm the new edit` };
  }
  if (!plan.changed) return { agent: opts.agent, file, written: false, reason: `already connected: ${file} has the hook` };
  try {
    applyPlan(plan);
  } catch (err) {
    return { agent: opts.agent, file, written: false, reason: `${file} could not be written: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { agent: opts.agent, file, written: true, reason: `hook added to ${file}` };
}
