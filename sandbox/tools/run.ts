// Architecture invariant: a tool is a sequence of Enforcer actions; it never touches disk, network or processes itself.
// Airlock's own agent tools, performed through the Enforcer: each call becomes one or more pipeline actions (decided,
// asked, logged, guarded), and its result is text a model can act on. A refusal says what, which rule, and what instead.
import path from 'node:path';
import micromatch from 'micromatch';
import { AirlockError } from '../errors.js';
import type { Enforcer } from '../pipeline/enforcer.js';
import type { ActionRequest, ActionResult } from '../pipeline/types.js';
import { describeRule } from '../policy/format.js';
import type { Scope } from '../policy/schema.js';
import type { AgentToolArgs, AgentToolName } from '../protocol/agentTools.js';
import type { AgentSession } from './session.js';

export interface ToolOutcome {
  text: string;
  isError: boolean;
  /** The action results behind the call (for the log-aware caller and tests). */
  results: ActionResult[];
}

/** Where a call's task comes from: the MCP session's own tasks, or a task the editor started (fixed). */
export type TaskSource = Pick<AgentSession, 'taskId' | 'begin' | 'end'>;

export interface ToolContext {
  enforcer: Enforcer;
  session: TaskSource;
}

const SEARCH_LIMITS = { dirs: 2000, files: 5000, lineChars: 400 };
const SKIPPED_DIRS = new Set(['.git', 'node_modules']);

/** Runs one tool call; never throws for a refusal or a failed action (those are error outcomes). */
export async function runAgentTool<N extends AgentToolName>(name: N, args: AgentToolArgs<N>, ctx: ToolContext): Promise<ToolOutcome> {
  const args_ = args as unknown;
  const as = <M extends AgentToolName>(_m: M) => args_ as AgentToolArgs<M>;
  try {
    switch (name) {
      case 'read_file': { const a = as('read_file'); return await readFile(ctx, a.path, a.offset, a.limit, a.encoding); }
      case 'write_file': {
        const a = as('write_file');
        return await one(ctx, { action: 'fs.write', path: a.path, content: a.content, ...(a.encoding ? { encoding: a.encoding } : {}) },
          (r) => { const v = r.result as { bytes: number; created: boolean }; return `${v.created ? 'Created' : 'Overwrote'} ${a.path} (${v.bytes} bytes).`; });
      }
      case 'edit_file': { const a = as('edit_file'); return await editFile(ctx, a.path, a.old_string, a.new_string, a.replace_all ?? false); }
      case 'list_dir': return await one(ctx, { action: 'fs.list', path: as('list_dir').path ?? '.' }, (r) => formatEntries(r.result));
      case 'search': return await search(ctx, as('search'));
      case 'delete_path': {
        const a = as('delete_path');
        return await one(ctx, { action: 'fs.delete', path: a.path, recursive: a.recursive ?? false },
          (r) => ((r.result as { removed: boolean }).removed ? `Deleted ${a.path}.` : `${a.path} did not exist; nothing was deleted.`));
      }
      case 'fetch': {
        const a = as('fetch');
        return await one(ctx, {
          action: 'net.fetch', url: a.url, ...(a.method ? { method: a.method } : {}), ...(a.headers ? { headers: a.headers } : {}),
          ...(a.body !== undefined ? { body: a.body } : {}),
        }, formatFetch);
      }
      case 'exec': {
        const a = as('exec');
        return await one(ctx, {
          action: 'exec', argv: a.argv, ...(a.cwd ? { cwd: a.cwd } : {}), ...(a.timeout_ms ? { timeoutMs: a.timeout_ms } : {}),
          ...(a.input !== undefined ? { input: a.input } : {}),
        }, formatExec);
      }
      case 'run_script': return await runScript(ctx, as('run_script').code);
      case 'begin_task': return beginTask(ctx, as('begin_task'));
      case 'end_task': return endTask(ctx);
    }
  } catch (err) {
    if (err instanceof AirlockError) return { text: err.message, isError: true, results: [] };
    throw err;
  }
  throw new Error(`unknown tool ${String(name)}`);
}

async function perform(ctx: ToolContext, req: ActionRequest): Promise<ActionResult> {
  return ctx.enforcer.perform(ctx.session.taskId(), req);
}

async function one(ctx: ToolContext, req: ActionRequest, format: (r: ActionResult) => string): Promise<ToolOutcome> {
  const r = await perform(ctx, req);
  if (r.outcome !== 'done') return refusal(ctx, r);
  return { text: format(r), isError: false, results: [r] };
}

async function readFile(ctx: ToolContext, p: string, offset: number | undefined, limit: number | undefined, encoding: 'utf8' | 'base64' | undefined): Promise<ToolOutcome> {
  const r = await perform(ctx, { action: 'fs.read', path: p, ...(encoding ? { encoding } : {}) });
  if (r.outcome !== 'done') return refusal(ctx, r);
  let text = String(r.result);
  if (encoding !== 'base64' && (offset !== undefined || limit !== undefined)) {
    const lines = text.split('\n');
    const start = (offset ?? 1) - 1;
    text = lines.slice(start, limit !== undefined ? start + limit : undefined).join('\n');
  }
  return { text, isError: false, results: [r] };
}

async function editFile(ctx: ToolContext, p: string, oldString: string, newString: string, replaceAll: boolean): Promise<ToolOutcome> {
  const read = await perform(ctx, { action: 'fs.read', path: p });
  if (read.outcome !== 'done') return refusal(ctx, read);
  const before = String(read.result);
  const count = before.split(oldString).length - 1;
  if (count === 0) {
    return { text: `edit_file changed nothing: old_string does not occur in ${p}. Read the file and copy the exact text, whitespace included.`, isError: true, results: [read] };
  }
  if (count > 1 && !replaceAll) {
    return { text: `edit_file changed nothing: old_string occurs ${count} times in ${p}. Include more surrounding text so it occurs once, or set replace_all to true.`, isError: true, results: [read] };
  }
  // A function replacement: `$&` and friends in new_string stay literal.
  const after = replaceAll ? before.split(oldString).join(newString) : before.replace(oldString, () => newString);
  const write = await perform(ctx, { action: 'fs.write', path: p, content: after });
  if (write.outcome !== 'done') return refusal(ctx, write, [read]);
  return { text: `Replaced ${replaceAll ? count : 1} occurrence${(replaceAll ? count : 1) === 1 ? '' : 's'} in ${p}.`, isError: false, results: [read, write] };
}

async function search(ctx: ToolContext, args: AgentToolArgs<'search'>): Promise<ToolOutcome> {
  const base = args.path ?? '.';
  const glob = args.glob ?? '**/*';
  const max = args.max_results ?? 100;
  const flags = args.case_sensitive ? 'g' : 'gi';
  let matcher: RegExp | undefined;
  if (args.pattern !== undefined) {
    try {
      matcher = new RegExp(args.regex ? args.pattern : args.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags);
    } catch (err) {
      return { text: `search: pattern is not a valid regular expression: ${(err as Error).message}`, isError: true, results: [] };
    }
  }
  const taskId = ctx.session.taskId();
  const isMatch = micromatch.matcher(glob, { dot: true, nocase: !args.case_sensitive });
  const results: ActionResult[] = [];
  const hits: string[] = [];
  let skipped = 0;
  let dirs = 0;
  let files = 0;
  let truncated = false;
  const allowed = (req: ActionRequest) => ctx.enforcer.preview(taskId, req)?.decision.verdict === 'allow';

  // Start at the base when it may be listed; else at the folders the policy lets the agent read under it (the static
  // part of each fs.read allow pattern), so a policy that allows "src/**" but not the root still searches src.
  const queue: { dir: string; listing: ActionResult }[] = [];
  const roots = allowed({ action: 'fs.list', path: base }) ? [base] : readRoots(ctx, base).filter((r) => allowed({ action: 'fs.list', path: r }));
  if (roots.length === 0) {
    const first = await ctx.enforcer.perform(taskId, { action: 'fs.list', path: base });
    if (first.outcome !== 'done') return refusal(ctx, first);
    roots.push(base);
    queue.push({ dir: base, listing: first });
    results.push(first);
  }
  for (const root of queue.length ? [] : roots) {
    const r = await ctx.enforcer.perform(taskId, { action: 'fs.list', path: root });
    results.push(r);
    if (r.outcome === 'done') queue.push({ dir: root, listing: r });
  }
  outer: while (queue.length > 0) {
    const { dir, listing } = queue.shift()!;
    for (const entry of listing.result as { name: string; type: string }[]) {
      const rel = path.posix.join(dir, entry.name);
      const underBase = path.posix.relative(base, rel);
      if (entry.type === 'dir') {
        if (SKIPPED_DIRS.has(entry.name) || dirs >= SEARCH_LIMITS.dirs) continue;
        if (!allowed({ action: 'fs.list', path: rel })) { skipped++; continue; }
        dirs++;
        const r = await ctx.enforcer.perform(taskId, { action: 'fs.list', path: rel });
        results.push(r);
        if (r.outcome === 'done') queue.push({ dir: rel, listing: r });
        else skipped++;
        continue;
      }
      // Symlinks are not followed: their targets are decided on their own through read_file.
      if (entry.type !== 'file' || !isMatch(underBase)) continue;
      if (!matcher) {
        hits.push(rel);
        if (hits.length >= max) { truncated = true; break outer; }
        continue;
      }
      if (!allowed({ action: 'fs.read', path: rel })) { skipped++; continue; }
      if (++files > SEARCH_LIMITS.files) { truncated = true; break outer; }
      const r = await ctx.enforcer.perform(taskId, { action: 'fs.read', path: rel });
      results.push(r);
      if (r.outcome !== 'done') { skipped++; continue; }
      const text = String(r.result);
      if (text.slice(0, 8000).includes('\u0000')) continue; // binary
      const lines = text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        matcher.lastIndex = 0;
        if (matcher.test(lines[i]!)) {
          const line = lines[i]!.length > SEARCH_LIMITS.lineChars ? `${lines[i]!.slice(0, SEARCH_LIMITS.lineChars)}…` : lines[i]!;
          hits.push(`${rel}:${i + 1}: ${line}`);
          if (hits.length >= max) { truncated = true; break outer; }
        }
      }
    }
  }
  const notes: string[] = [];
  if (hits.length === 0) notes.push(matcher ? 'No matches.' : 'No files match.');
  if (truncated) notes.push(`Stopped at ${hits.length} results: narrow the glob or path, or raise max_results.`);
  if (skipped > 0) {
    notes.push(`${skipped} file${skipped === 1 ? '' : 's'} or folder${skipped === 1 ? '' : 's'} the policy does not let you read without asking ${skipped === 1 ? 'was' : 'were'} left out; read_file asks for one.`);
  }
  return { text: [...hits, ...(notes.length ? ['', ...notes] : [])].join('\n').trim(), isError: false, results };
}

async function runScript(ctx: ToolContext, code: string): Promise<ToolOutcome> {
  const r = await ctx.enforcer.runScript(ctx.session.taskId(), code);
  const output = (r.console ?? []).map((l) => `[console.${l.level}] ${l.text}`);
  if (r.outcome === 'done') {
    const value = r.result === undefined ? 'undefined' : JSON.stringify(r.result, null, 2);
    return { text: [value, ...(output.length ? ['', ...output] : [])].join('\n'), isError: false, results: [r] };
  }
  const out = refusal(ctx, r);
  return { ...out, text: [out.text, ...(output.length ? ['', 'Console output before it stopped:', ...output] : [])].join('\n') };
}

function beginTask(ctx: ToolContext, args: AgentToolArgs<'begin_task'>): ToolOutcome {
  const task = ctx.session.begin({
    intent: args.intent, ...(args.template !== undefined ? { template: args.template } : {}),
    ...(args.scope !== undefined ? { scope: args.scope as Scope } : {}), ...(args.ttl_seconds !== undefined ? { ttlSeconds: args.ttl_seconds } : {}),
  });
  return {
    text: `Began task ${task.id} (${task.scope.origin}), until ${new Date(task.expires).toISOString()}. `
      + 'Actions outside its scope are asked of the user; end_task returns to the default task.',
    isError: false, results: [],
  };
}

function endTask(ctx: ToolContext): ToolOutcome {
  const { ended, task } = ctx.session.end();
  return { text: `${ended ? `Ended task ${ended}; its grants are revoked.` : 'No task was running.'} Now in the default task ${task.id}.`, isError: false, results: [] };
}

/** The folders under base that fs.read allow patterns start from (`src/**` → `src`), workspace-relative, deduplicated. */
function readRoots(ctx: ToolContext, base: string): string[] {
  const norm = path.posix.normalize(base).replace(/^\.\/?/, '').replace(/\/$/, '');
  const roots = new Set<string>();
  for (const layer of ctx.enforcer.currentPolicy.resolved.layers) {
    for (const s of layer.sources) {
      for (const pattern of s.doc.fs?.read?.allow ?? []) {
        if (pattern.startsWith('/') || pattern.startsWith('~')) continue;
        const dir = micromatch.scan(pattern).base;
        if (!dir || dir === '.') continue;
        if (norm === '' || dir === norm || dir.startsWith(`${norm}/`)) roots.add(dir);
      }
    }
  }
  // A root inside another root is searched through its parent.
  return [...roots].filter((r) => ![...roots].some((o) => o !== r && r.startsWith(`${o}/`))).sort();
}

function formatEntries(value: unknown): string {
  const entries = value as { name: string; type: string }[];
  if (entries.length === 0) return '(empty directory)';
  return entries.map((e) => (e.type === 'dir' ? `${e.name}/` : e.type === 'symlink' ? `${e.name}@` : e.name)).join('\n');
}

function formatFetch(r: ActionResult): string {
  const v = r.result as { status: number; url: string; headers: Record<string, string>; body: string; bodyEncoding: string };
  const type = v.headers['content-type'] ?? 'unknown type';
  return `HTTP ${v.status} ${v.url} (${type}${v.bodyEncoding === 'base64' ? ', body base64' : ''})\n\n${v.body}`;
}

function formatExec(r: ActionResult): string {
  const v = r.result as { exitCode: number | null; stdout: string; stderr: string; signal?: string; truncated?: boolean; timedOut?: boolean };
  const status = v.timedOut ? 'timed out' : v.signal ? `killed by ${v.signal}` : `exit code ${v.exitCode}`;
  return [`${status}${v.truncated ? ' (output truncated)' : ''}`, '--- stdout ---', v.stdout, '--- stderr ---', v.stderr].join('\n');
}

/**
 * The text of a refusal or failure: what was refused, by which rule, and what to do instead, so the model changes
 * course rather than retrying.
 */
export function refusal(ctx: ToolContext, r: ActionResult, earlier: ActionResult[] = []): ToolOutcome {
  const lines = [r.error?.message ?? `Airlock refused ${r.action} ${r.target}: ${r.reason}`];
  if (r.outcome === 'denied' || r.outcome === 'killed') {
    lines.push(`Decided by: ${r.decidedBy === 'user' ? 'the user' : r.decidedBy === 'policy' ? describeRule(r.rule) : r.decidedBy}.`);
    lines.push(`What to do instead: ${adviceFor(ctx, r)}`);
  }
  return { text: lines.join('\n'), isError: true, results: [...earlier, r] };
}

function adviceFor(ctx: ToolContext, r: ActionResult): string {
  if (r.outcome === 'killed' || r.decidedBy === 'killswitch') return 'the user stopped this task with the kill switch. Stop and ask the user before going on.';
  if (r.decidedBy === 'user') return 'the user refused it. Do not retry it; choose another approach or ask the user in the chat what they want.';
  if (r.decidedBy === 'timeout') return 'nobody answered in time. Ask the user in the chat, then try again once.';
  if (r.verdict === 'ask') {
    return 'it needs the user\'s approval and nobody could be asked (no editor is connected to Airlock and this client offers no '
      + 'elicitation). Ask the user in the chat to allow it (in the editor, or in .airlock/policy.json), or work within what is allowed.';
  }
  if (r.rule.layer === 'task') {
    const templates = Object.keys(ctx.enforcer.currentPolicy.tasks);
    return `it is outside the current task's scope. If the work needs it, call begin_task with a scope that covers it`
      + `${templates.length ? ` or one of the templates ${templates.map((t) => JSON.stringify(t)).join(', ')}` : ''}; the user is asked for what the policy does not allow.`;
  }
  if (r.rule.layer === 'builtin') return 'this is one of Airlock\'s built-in protections, which no policy or answer opens. Leave it alone.';
  return 'the policy forbids it and asking again will not change that. Use another path, URL or command, or ask the user to change the policy.';
}
