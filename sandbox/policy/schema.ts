// The policy file format (.airlock/policy.json), as zod schemas: the single source of truth for types and the JSON Schema.
import { z } from 'zod';
import { ACTION_KINDS } from './types.js';

/** Lint warnings a policy may acknowledge with `"lint": { "accept": [...] }` (lint.ts emits them). */
export const LINT_WARNING_IDS = ['net.plain-http', 'fs.broad-read', 'exec.broad-interpreter', 'fs.leading-slash'] as const;

const Glob = z.string().min(1).describe(
  'A micromatch glob. Workspace-relative by default ("src/**"); absolute paths are written "//abs/path/**" and home paths "~/x/**".',
);

const GlobRules = (what: string) => z.strictObject({
  allow: z.array(Glob).optional().describe(`Globs of files the agent may ${what}.`),
  deny: z.array(Glob).optional().describe(`Globs of files the agent may never ${what}; deny always wins.`),
}).describe(`Which files the agent may ${what}.`);

export const FsRulesSchema = z.strictObject({
  read: GlobRules('read (listing and stat follow read)').optional(),
  write: GlobRules('write (deleting and mkdir follow write)').optional(),
}).describe('Filesystem rules: globs for reading and writing.');

const NetPattern = z.string().min(1).describe(
  'scheme://host[:port][/path-glob]. Host: exact, "*.example.com" (subdomains only, not example.com), an IP or a CIDR. '
  + 'Plain http and non-default ports only where written.',
);

export const NetRulesSchema = z.strictObject({
  allow: z.array(NetPattern).optional().describe('URL patterns the agent may fetch.'),
  deny: z.array(NetPattern).optional().describe('URL patterns the agent may never fetch; deny always wins.'),
}).describe('Network rules: which URLs the agent may fetch.');

const ArgvPattern = z.array(z.string().min(1)).min(1).describe(
  'An argv pattern matched element by element: "*" is one argument, "**" the rest. Never a shell string. '
  + 'A program element without "/" matches the program\'s name; with "/" its resolved absolute path.',
);

export const ExecRulesSchema = z.strictObject({
  allow: z.array(ArgvPattern).optional().describe('Commands (argv patterns) the agent may run.'),
  deny: z.array(ArgvPattern).optional().describe('Commands (argv patterns) the agent may never run; deny always wins.'),
}).describe('Command rules: argv patterns, never shell strings.');

/** The policy's exec section: the rules, and whether commands run confined by the OS (a task scope cannot say). */
export const PolicyExecSchema = ExecRulesSchema.extend({
  confine: z.enum(['on', 'off']).optional().describe(
    'Whether commands run confined by the OS (bubblewrap on Linux). Default "on": where confinement is not available, commands are refused. '
    + '"off" runs them as plain child processes with the user\'s rights (policy check warns; every command is logged as unconfined). '
    + 'Any layer saying "on" wins.',
  ),
}).describe('Command rules: argv patterns, never shell strings; and whether commands run confined.');

const ToolPattern = z.string().min(1).describe(
  'A tool as "server/tool" (an MCP server\'s tool, e.g. "github/get_issue"); each part may be a glob: "github/*", "*/read_*".',
);

export const ToolRulesSchema = z.strictObject({
  allow: z.array(ToolPattern).optional().describe('Tools (server/tool patterns) the agent may call.'),
  deny: z.array(ToolPattern).optional().describe('Tools the agent may never call; deny always wins. Tools no rule allows are asked.'),
}).describe('Tool rules: which MCP tools the agent may call, as server/tool patterns.');

export const ScopeSchema = z.strictObject({
  fs: FsRulesSchema.optional(),
  net: NetRulesSchema.optional(),
  exec: ExecRulesSchema.optional(),
  tools: ToolRulesSchema.optional(),
}).describe('What a task may do. A task scope only narrows the policy: what the policy allows but the scope does not is asked.');

export const TaskTemplateSchema = z.strictObject({
  intent: z.string().min(1).describe('What the task is for, shown to the user when it starts and in every prompt.'),
  scope: ScopeSchema,
  ttlSeconds: z.number().int().positive().max(7 * 24 * 3600).optional()
    .describe('How long the task lives; its grants are revoked when it ends. Default 3600.'),
}).describe('A named task template a team shares.');

export const LimitsSchema = z.strictObject({
  memoryMb: z.number().int().min(8).max(4096).optional().describe('Isolate memory limit in MB. Default 128.'),
  cpuMs: z.number().int().positive().optional().describe('CPU time a script may use, in ms. Default 5000.'),
  wallMs: z.number().int().positive().optional().describe('Wall-clock time a script may take, host calls included, in ms. Default 30000.'),
  maxFetchBytes: z.number().int().positive().optional().describe('Largest response body a fetch may return, in bytes. Default 10 MiB.'),
  maxExecOutputBytes: z.number().int().positive().optional().describe('Largest stdout + stderr a command may produce, in bytes. Default 1 MiB.'),
  maxFileBytes: z.number().int().positive().optional().describe('Largest file a read or write may handle, in bytes. Default 10 MiB.'),
}).describe('Resource limits for scripts, fetches, commands and files.');

export const ApprovalSchema = z.strictObject({
  timeoutSeconds: z.number().int().positive().max(3600).optional().describe('How long a prompt waits for the user. Default 60.'),
  onTimeout: z.literal('deny').optional().describe('What an unanswered prompt means: always deny.'),
}).describe('How out-of-scope actions are asked.');

export const PolicyTestSchema = z.strictObject({
  action: z.enum(ACTION_KINDS).describe('The action kind to decide.'),
  target: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe('The path, URL or tool ("server/tool"); for exec, the command as an argv array (e.g. ["npm", "test"]).'),
  task: z.string().optional().describe('Name of a task template to decide within.'),
  expect: z.enum(['allow', 'ask', 'deny']).describe('The verdict the policy must give.'),
}).describe('An example decision, checked on every load and by `airlock policy test`.');

export const PolicySchema = z.strictObject({
  $schema: z.string().optional().describe('The JSON Schema this file follows (editor support).'),
  version: z.literal(1).describe('Policy format version. Always 1.'),
  extends: z.array(z.string().min(1)).optional()
    .describe('Presets ("airlock:default", "airlock:read-only", "airlock:node-project", "airlock:web-research") or relative paths, merged first.'),
  default: z.enum(['ask', 'deny']).optional().describe('What happens to anything no rule allows. Default "ask".'),
  fs: FsRulesSchema.optional(),
  net: NetRulesSchema.optional(),
  exec: PolicyExecSchema.optional(),
  tools: ToolRulesSchema.optional(),
  hooks: z.strictObject({
    task: z.string().min(1).optional().describe('The task template an agent session reached through `airlock hook` starts in, unless it joins the task the user started in the editor.'),
  }).optional().describe('How agents reached through their pre-tool hooks (`airlock hook`) are run.'),
  tasks: z.record(z.string().min(1), TaskTemplateSchema).optional().describe('Named task templates a team shares.'),
  limits: LimitsSchema.optional(),
  approval: ApprovalSchema.optional(),
  tests: z.array(PolicyTestSchema).optional().describe('Example decisions this policy must give.'),
  lint: z.strictObject({
    accept: z.array(z.enum(LINT_WARNING_IDS)).optional()
      .describe('Lint warnings this file\'s authors reviewed and accept, e.g. ["net.plain-http"]; they are no longer printed. Errors cannot be accepted.'),
  }).optional().describe('Lint settings of this file.'),
}).describe('An Airlock policy: what AI agents may do in this workspace.');

export type PolicyDoc = z.infer<typeof PolicySchema>;
export type Scope = z.infer<typeof ScopeSchema>;
export type TaskTemplate = z.infer<typeof TaskTemplateSchema>;
export type PolicyTest = z.infer<typeof PolicyTestSchema>;

/** Limits with every default filled in. */
export type Limits = Required<z.infer<typeof LimitsSchema>>;
export const DEFAULT_LIMITS: Limits = {
  memoryMb: 128, cpuMs: 5000, wallMs: 30000,
  maxFetchBytes: 10 * 1024 * 1024, maxExecOutputBytes: 1024 * 1024, maxFileBytes: 10 * 1024 * 1024,
};
export const DEFAULT_APPROVAL = { timeoutSeconds: 60, onTimeout: 'deny' as const };
export const DEFAULT_TTL_SECONDS = 3600;
