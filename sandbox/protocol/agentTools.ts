// Airlock's own agent tools as an agent sees them: names, zod input schemas, annotations, descriptions. Pure.
// One definition serves the MCP server (sandbox/mcp) and the editor's language-model tools (src/agents), so both doors
// offer the very same tools with the same arguments.
import { z } from 'zod';
import type { ActionRequest } from '../pipeline/types.js';
import { ScopeParams } from './protocol.js';

const Path = z.string().min(1).max(4096);

export const AGENT_TOOL_SCHEMAS = {
  read_file: z.strictObject({
    path: Path.describe('File to read, relative to the workspace root (or absolute).'),
    offset: z.number().int().min(1).optional().describe('First line to return, 1-based. Default: the first line.'),
    limit: z.number().int().min(1).optional().describe('How many lines to return. Default: all.'),
    encoding: z.enum(['utf8', 'base64']).optional().describe('"base64" for binary files. Default "utf8".'),
  }),
  write_file: z.strictObject({
    path: Path.describe('File to create or overwrite, relative to the workspace root.'),
    content: z.string().describe('The whole new content of the file.'),
    encoding: z.enum(['utf8', 'base64']).optional().describe('How content is encoded. Default "utf8".'),
  }),
  edit_file: z.strictObject({
    path: Path.describe('File to edit, relative to the workspace root.'),
    old_string: z.string().min(1).describe('The exact text to replace (whitespace included). It must occur exactly once unless replace_all is true.'),
    new_string: z.string().describe('The text that replaces it.'),
    replace_all: z.boolean().optional().describe('Replace every occurrence instead of exactly one. Default false.'),
  }),
  list_dir: z.strictObject({
    path: Path.optional().describe('Directory to list, relative to the workspace root. Default: the workspace root.'),
  }),
  search: z.strictObject({
    pattern: z.string().min(1).max(1000).optional().describe('Text to find in files (a literal string unless regex is true). Omit to list the files the glob matches.'),
    glob: z.string().min(1).max(1000).optional().describe('Which files to look in, a glob relative to path, e.g. "src/**/*.ts". Default "**/*".'),
    path: Path.optional().describe('Directory to search under, relative to the workspace root. Default: the workspace root.'),
    regex: z.boolean().optional().describe('Treat pattern as a JavaScript regular expression. Default false.'),
    case_sensitive: z.boolean().optional().describe('Match case exactly. Default false.'),
    max_results: z.number().int().min(1).max(1000).optional().describe('Most matching lines (or files) to return. Default 100.'),
  }),
  delete_path: z.strictObject({
    path: Path.describe('File or directory to delete, relative to the workspace root.'),
    recursive: z.boolean().optional().describe('Delete a non-empty directory with everything in it. Default false.'),
  }),
  fetch: z.strictObject({
    url: z.string().min(1).max(8192).describe('The URL to fetch (http or https).'),
    method: z.string().min(1).max(16).optional().describe('HTTP method. Default GET.'),
    headers: z.record(z.string(), z.string()).optional().describe('Request headers.'),
    body: z.string().optional().describe('Request body.'),
  }),
  exec: z.strictObject({
    argv: z.array(z.string()).min(1).describe('The program and its arguments as separate strings, e.g. ["npm", "test"]. Never a shell string: pipes, redirects and globs are not interpreted.'),
    cwd: z.string().optional().describe('Working directory, relative to the workspace root. Default: the workspace root.'),
    timeout_ms: z.number().int().positive().optional().describe('Stop the command after this many milliseconds (capped by the policy).'),
    input: z.string().optional().describe('Text written to the command\'s standard input.'),
  }),
  run_script: z.strictObject({
    code: z.string().min(1).max(1024 * 1024).describe('The body of an async JavaScript function. Use `await airlock.fs.readFile(path)`, `airlock.fs.writeFile(path, data)`, `airlock.fs.list(path)`, `airlock.fs.stat(path)`, `airlock.fs.delete(path)`, `airlock.fs.mkdir(path)`, `airlock.net.fetch(url, {method, headers, body})`, `airlock.exec(argv, {cwd, timeoutMs, input})` and `console.log`; `return` a JSON value. Issue independent calls together (`await Promise.all(paths.map((p) => airlock.fs.readFile(p)))`): they cross to Airlock as one batch.'),
  }),
  begin_task: z.strictObject({
    intent: z.string().min(1).max(500).describe('What the task is for, in one sentence the user will see.'),
    template: z.string().min(1).optional().describe('A task template the policy defines (see this tool\'s description).'),
    scope: ScopeParams.optional().describe('An explicit scope, e.g. {"fs":{"write":{"allow":["src/**"]}},"exec":{"allow":[["npm","test"]]}}. It only narrows the policy.'),
    ttl_seconds: z.number().int().positive().max(7 * 24 * 3600).optional().describe('How long the task lives. Default: the template\'s, else 3600.'),
  }),
  end_task: z.strictObject({}),
} as const;

export type AgentToolName = keyof typeof AGENT_TOOL_SCHEMAS;
export const AGENT_TOOL_NAMES = Object.keys(AGENT_TOOL_SCHEMAS) as AgentToolName[];
export type AgentToolArgs<N extends AgentToolName> = z.output<(typeof AGENT_TOOL_SCHEMAS)[N]>;

export function isAgentToolName(name: unknown): name is AgentToolName {
  return typeof name === 'string' && Object.hasOwn(AGENT_TOOL_SCHEMAS, name);
}

/** MCP tool annotations, stated truthfully: what each tool may do at worst, not what it usually does. */
export interface AgentToolAnnotations { title: string; readOnlyHint: boolean; destructiveHint: boolean; idempotentHint: boolean; openWorldHint: boolean }

export const AGENT_TOOL_ANNOTATIONS: Record<AgentToolName, AgentToolAnnotations> = {
  read_file: { title: 'Read a file', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  write_file: { title: 'Write a file', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  edit_file: { title: 'Edit a file', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  list_dir: { title: 'List a directory', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  search: { title: 'Search files', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  delete_path: { title: 'Delete a file or directory', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  // A fetch may POST, and whatever it sends leaves the machine.
  fetch: { title: 'Fetch a URL', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  // A command or a script can do anything its actions are allowed to, including reaching the network.
  exec: { title: 'Run a command', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  run_script: { title: 'Run a script (code mode)', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  begin_task: { title: 'Begin a task', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  end_task: { title: 'End the task', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
};

/** The rules every tool works under, told to the model in each description. */
export const AGENT_RULES = 'Airlock decides every call against the workspace policy and the current task before it runs: allowed, asked of the '
  + 'user, or denied. A refusal comes back as an error result naming what was refused, the rule, and what to do instead: '
  + 'do not retry it unchanged.';

export const AGENT_TOOL_DESCRIPTIONS: Record<AgentToolName, string> = {
  read_file: 'Read a text file (or a binary one as base64) from the workspace, optionally a range of lines.',
  write_file: 'Create or overwrite a file with the given content; missing parent folders are created.',
  edit_file: 'Replace an exact string in a file with another. Fails, changing nothing, when old_string does not occur or occurs more than once (unless replace_all is true): read the file and give more context.',
  list_dir: 'List a directory\'s entries (name and type).',
  search: 'Find files by glob and, with pattern, lines containing a text or regular expression. Only files the policy lets you read without asking are searched; the result says how many were left out.',
  delete_path: 'Delete a file, or a directory (recursive for a non-empty one).',
  fetch: 'Fetch a URL over HTTP(S). Private, loopback and cloud-metadata addresses are refused unless the policy names them.',
  exec: 'Run a program with an argv array (never a shell string) in the workspace, with a scrubbed environment and time and output caps. Returns its exit code, stdout and stderr.',
  run_script: 'Code mode: run a JavaScript async function body in Airlock\'s isolate, where `airlock.*` calls read, write, list, fetch and run commands, each decided like a tool call. One script that reads, greps and edits many files costs one call. Only JSON crosses; there is no require, process or network except through airlock.*.',
  begin_task: 'Begin a task for the work ahead, from a template or an explicit scope, replacing the current task (its grants end). A task only narrows the policy: use it to state the scope you need; actions outside it are asked of the user.',
  end_task: 'End the current task: its grants are revoked and the session returns to its default task.',
};

/** The action a tool call stands for, for previews and prompts; undefined for tools that are not one action. */
export function primaryRequestOf(name: AgentToolName, args: Record<string, unknown>): ActionRequest | undefined {
  const a = args as { path?: string; url?: string; method?: string; argv?: string[]; cwd?: string; content?: string; new_string?: string };
  switch (name) {
    case 'read_file': return { action: 'fs.read', path: a.path ?? '' };
    case 'write_file': return { action: 'fs.write', path: a.path ?? '', content: a.content ?? '' };
    case 'edit_file': return { action: 'fs.write', path: a.path ?? '', content: a.new_string ?? '' };
    case 'list_dir': return { action: 'fs.list', path: a.path ?? '.' };
    case 'search': return { action: 'fs.list', path: a.path ?? '.' };
    case 'delete_path': return { action: 'fs.delete', path: a.path ?? '' };
    case 'fetch': return { action: 'net.fetch', url: a.url ?? '', ...(a.method ? { method: a.method } : {}) };
    case 'exec': return { action: 'exec', argv: a.argv ?? [], ...(a.cwd ? { cwd: a.cwd } : {}) };
    default: return undefined;
  }
}

/** JSON Schema of a tool's input, as MCP's tools/list and VS Code's languageModelTools carry it. */
export function agentToolJsonSchema(name: AgentToolName): Record<string, unknown> {
  const schema = z.toJSONSchema(AGENT_TOOL_SCHEMAS[name], { io: 'input' }) as Record<string, unknown>;
  delete schema['$schema'];
  return schema;
}

/** `field.path: message` for each problem in a tool's arguments, so a client sees which field to fix. */
export function describeToolArgsProblem(name: string, error: z.ZodError): string {
  return `${name}: invalid arguments: ` + error.issues
    .map((i) => `${i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(arguments)'}: ${i.message}`)
    .join('; ');
}
