// Maps each agent's tools to the actions Airlock decides: file reads and writes of every path, fetches, shell commands
// read part by part, and MCP tools as `tool` actions. A tool Airlock does not know is a `tool` action too (asked).
import fs from 'node:fs';
import path from 'node:path';
import type { Action } from '../policy/types.js';
import type { AgentName, HookCall } from './agents.js';
import { analyseShell, type ShellAnalysis, type ShellItem } from './shell.js';

export interface Mapped extends ShellAnalysis {
  /** The whole call, as one action a person can be asked about when the parts cannot all be judged. */
  whole: Action;
  /** Set for agents' own bookkeeping tools, which touch nothing outside the agent. */
  internal?: string;
}

export interface MapContext { workspaceRoot: string; homeDir: string }

/** Tools that only change the agent's own state (its plan, its to-do list, its subagents, whose calls are hooked too). */
const INTERNAL = new Set([
  'TodoWrite', 'Task', 'Agent', 'ExitPlanMode', 'EnterPlanMode', 'AskUserQuestion', 'BashOutput', 'TaskOutput', 'KillShell', 'KillBash',
  'ListMcpResourcesTool', 'todo_write', 'update_plan', 'manage_todo_list', 'think', 'report_intent',
]);

type Kind = 'read' | 'write' | 'list' | 'search' | 'fetch' | 'shell' | 'patch';

/** Every agent's built-in tools, by the names it sends (case-sensitive), and the input keys that hold their targets. */
const TOOLS: Record<string, Kind> = {
  // Claude Code (sdk-tools.d.ts), also Codex, Cursor's preToolUse and VS Code running Claude's harness.
  Read: 'read', NotebookRead: 'read', Write: 'write', Edit: 'write', MultiEdit: 'write', NotebookEdit: 'write',
  Glob: 'list', LS: 'list', Grep: 'search', WebFetch: 'fetch', Bash: 'shell', Shell: 'shell', apply_patch: 'patch',
  // VS Code agent mode (editFiles is documented; the others are the tool names VS Code shows, not confirmed for hooks).
  editFiles: 'write', createFile: 'write', create_file: 'write', insert_edit_into_file: 'write', replace_string_in_file: 'write',
  readFile: 'read', read_file: 'read', listDirectory: 'list', list_dir: 'list', fileSearch: 'list', file_search: 'list',
  textSearch: 'search', grep_search: 'search', runInTerminal: 'shell', run_in_terminal: 'shell', runCommands: 'shell',
  fetch: 'fetch', fetch_webpage: 'fetch',
  // GitHub Copilot CLI.
  bash: 'shell', view: 'read', create: 'write', edit: 'write', str_replace_editor: 'write', glob: 'list', grep: 'search', web_fetch: 'fetch',
  // Gemini CLI.
  write_file: 'write', replace: 'write', run_shell_command: 'shell', list_directory: 'list', search_file_content: 'search',
  read_many_files: 'read',
};

const PATH_KEYS = ['file_path', 'filePath', 'absolute_path', 'notebook_path', 'path', 'dir_path', 'directory', 'target_file'];
const LIST_KEYS = ['files', 'paths', 'filePaths'];

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return [];
}

/** The string leaves of a tool's input (for a tool's protected-argument check), at most 64. */
export function stringLeaves(v: unknown, out: string[] = [], depth = 0): string[] {
  if (out.length >= 64 || depth > 6) return out;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) stringLeaves(x, out, depth + 1);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) stringLeaves(x, out, depth + 1);
  return out;
}

/** Paths a file tool names: single keys and lists (VS Code's editFiles sends `files`). */
function targetPaths(input: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const k of PATH_KEYS) out.push(...strings(input[k]));
  for (const k of LIST_KEYS) out.push(...strings(input[k]));
  return out;
}

/** `mcp__server__tool` (Claude Code, Codex, VS Code, Cursor) → `server/tool`. */
export function mcpToolName(tool: string): string | undefined {
  const m = /^mcp__(.+?)__(.+)$/.exec(tool);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** Paths a Codex apply_patch envelope touches: `*** Add File:`, `*** Update File:`, `*** Delete File:`, `*** Move to:`. */
export function patchPaths(patch: string): { writes: string[]; deletes: string[] } {
  const writes: string[] = [];
  const deletes: string[] = [];
  for (const line of patch.split(/\r?\n/)) {
    const m = /^\*\*\* (Add File|Update File|Delete File|Move to): (.+)$/.exec(line);
    if (!m) continue;
    (m[1] === 'Delete File' ? deletes : writes).push(m[2]!.trim());
  }
  return { writes, deletes };
}

/** URLs in a text (Gemini's web_fetch takes a prompt that names them). */
function urlsIn(text: string): string[] {
  return text.split(/\s+/).map((w) => w.replace(/[),.;'"\]>]+$/, '').replace(/^[<('"[]+/, '')).filter((w) => /^https?:\/\//i.test(w));
}

function isFolder(a: Action): boolean {
  try {
    return 'path' in a && fs.statSync(a.path).isDirectory();
  } catch {
    return false;
  }
}

/** The path with symlinks resolved as far as it exists (a file not yet written resolves through its folder). */
export function realTarget(p: string): string {
  const rest: string[] = [];
  let dir = p;
  for (;;) {
    try {
      return path.join(fs.realpathSync(dir), ...rest.reverse());
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return p;
      rest.push(path.basename(dir));
      dir = parent;
    }
  }
}

/** Every file action is judged on the path as given and, when a symlink leads elsewhere, on where it really leads. */
function withRealTargets(items: ShellItem[]): ShellItem[] {
  const out: ShellItem[] = [];
  for (const item of items) {
    out.push(item);
    const a = item.action;
    if (a.kind.startsWith('fs.') && 'path' in a && path.isAbsolute(a.path)) {
      const real = realTarget(a.path);
      if (real !== a.path) out.push({ action: { kind: a.kind, path: real } as Action, exact: item.exact, ...(item.tree ? { tree: item.tree } : {}) });
    }
  }
  return out;
}

export async function mapTool(call: HookCall, ctx: MapContext): Promise<Mapped> {
  const mapped = await mapToolAsGiven(call, ctx);
  mapped.items = withRealTargets(mapped.items);
  return mapped;
}

async function mapToolAsGiven(call: HookCall, ctx: MapContext): Promise<Mapped> {
  const cwd = path.resolve(call.cwd);
  const resolve = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(ctx.homeDir, p.slice(1)) : path.resolve(cwd, p));
  const out: Mapped = { items: [], unresolved: [], whole: { kind: 'tool', tool: `${call.agent}/${call.tool}` } };
  const file = (kind: Action['kind'] & `fs.${string}`, p: string) => {
    const item: ShellItem = { action: { kind, path: resolve(p) }, exact: true };
    out.items.push(item);
    return item;
  };
  const mcp = mcpToolName(call.tool);
  if (mcp) {
    out.whole = { kind: 'tool', tool: mcp, args: stringLeaves(call.input) };
    out.items.push({ action: out.whole, exact: true });
    return out;
  }
  if (INTERNAL.has(call.tool)) {
    out.internal = `${call.tool} only changes ${agentLabel(call.agent)}'s own state`;
    return out;
  }
  const kind: Kind | undefined = Object.hasOwn(TOOLS, call.tool) ? TOOLS[call.tool] : undefined;
  const input = call.input;
  switch (kind) {
    case undefined: {
      // A tool Airlock does not know: decided as a tool of the agent's own "server" (unknown tools are asked).
      out.whole = { kind: 'tool', tool: `${call.agent}/${call.tool}`, args: stringLeaves(input) };
      out.items.push({ action: out.whole, exact: true });
      return out;
    }
    case 'read': case 'write': case 'list': case 'search': {
      let paths = targetPaths(input);
      if (paths.length === 0 && (kind === 'list' || kind === 'search')) paths = ['.'];
      if (paths.length === 0) {
        out.unresolved.push(`${call.tool} names no file Airlock can find in its input`);
        return out;
      }
      const fsKind = kind === 'read' || kind === 'search' ? 'fs.read' : kind === 'write' ? 'fs.write' : 'fs.list';
      // A search reads every file beneath a folder it is given (only those its file filter keeps).
      const glob = kind === 'search' ? [input['glob'], input['include'], input['includePattern']].find((g): g is string => typeof g === 'string' && g !== '') : undefined;
      for (const p of paths) {
        if (/[*?[{]/.test(p)) out.unresolved.push(`${JSON.stringify(p)} is a pattern, not a path`);
        const item = file(fsKind, p);
        if (kind === 'search' && isFolder(item.action)) item.tree = glob !== undefined ? { glob } : {};
      }
      out.whole = out.items[0]!.action;
      if (out.items.length > 1) out.whole = { kind: 'tool', tool: `${call.agent}/${call.tool}`, args: out.items.map((i) => (i.action as { path: string }).path) };
      return out;
    }
    case 'fetch': {
      const urls = [...strings(input['url']), ...strings(input['urls'])];
      if (urls.length === 0 && typeof input['prompt'] === 'string') urls.push(...urlsIn(input['prompt']));
      if (urls.length === 0) {
        out.unresolved.push(`${call.tool} names no URL Airlock can find in its input`);
        return out;
      }
      for (const url of urls) out.items.push({ action: { kind: 'net.fetch', url, method: 'GET' }, exact: true });
      out.whole = out.items[0]!.action;
      return out;
    }
    case 'shell': {
      const command = typeof input['command'] === 'string' ? input['command'] : Array.isArray(input['command']) ? strings(input['command']).join(' ') : undefined;
      if (command === undefined) {
        out.unresolved.push(`${call.tool} carries no command string`);
        return out;
      }
      const dir = [input['dir_path'], input['directory'], input['cwd']].find((d): d is string => typeof d === 'string');
      const shellCwd = dir !== undefined ? resolve(dir) : cwd;
      out.whole = { kind: 'exec', argv: ['bash', '-c', command] };
      const analysis = await analyseShell(command, { cwd: shellCwd, workspaceRoot: ctx.workspaceRoot, homeDir: ctx.homeDir });
      out.items.push(...analysis.items);
      out.unresolved.push(...analysis.unresolved);
      if (out.items.length === 0 && out.unresolved.length === 0) out.unresolved.push('the command line runs nothing Airlock can name');
      return out;
    }
    case 'patch': {
      const text = typeof input['command'] === 'string' ? input['command'] : typeof input['input'] === 'string' ? input['input'] : typeof input['patch'] === 'string' ? input['patch'] : undefined;
      if (text === undefined) {
        out.unresolved.push('apply_patch carries no patch text');
        return out;
      }
      const { writes, deletes } = patchPaths(text);
      for (const p of writes) file('fs.write', p);
      for (const p of deletes) file('fs.delete', p);
      if (out.items.length === 0) out.unresolved.push('the patch names no file');
      else out.whole = out.items.length === 1 ? out.items[0]!.action : { kind: 'tool', tool: `${call.agent}/apply_patch`, args: out.items.map((i) => (i.action as { path: string }).path) };
      return out;
    }
  }
}

export function agentLabel(agent: AgentName): string {
  switch (agent) {
    case 'claude-code': return 'Claude Code';
    case 'vscode': return 'VS Code agent mode';
    case 'copilot': return 'GitHub Copilot';
    case 'codex': return 'Codex';
    case 'gemini': return 'Gemini CLI';
    case 'cursor': return 'Cursor';
  }
}
