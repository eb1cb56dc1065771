// Architecture invariant: this file is the whole extension ↔ harness protocol; it is pure (types and validation, no I/O).
// JSON-RPC 2.0 over stdio (vscode-jsonrpc). Every message states its direction; every inbound message is validated
// with the zod schema next to it before it is handled.
import { z } from 'zod';
import { NotificationType, NotificationType0, RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { ActionRequest, ActionResult, ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';
import type { AirlockProblem } from '../errors.js';

export type { ActionRequest, ActionResult, ApprovalAnswer, ApprovalRequest } from '../pipeline/types.js';
export type { AirlockProblem } from '../errors.js';

/** Bumped on any incompatible change. initialize refuses a mismatch and says which side to update. */
export const PROTOCOL_VERSION = 1;

/** Largest message either side accepts, in bytes. Larger ones get a JSON-RPC error and are skipped. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Exit codes of `airlock host`. */
export const HOST_EXIT = {
  /** shutdown was requested and done, then exit (or the end of stdin). */
  ok: 0,
  /** The transport broke (stdin closed or unreadable) before shutdown: everything pending was denied. */
  transportLost: 3,
  /** A fatal error inside the harness (an isolate catastrophe): everything pending was denied. */
  fatal: 4,
} as const;

/** Custom JSON-RPC error codes (the -32000..-32099 range is the server's). */
export const ERROR_CODES = {
  protocolVersion: -32001,
  notInitialized: -32002,
  policyInvalid: -32003,
  unknownTask: -32004,
  messageTooLarge: -32005,
} as const;

// ── shared shapes ───────────────────────────────────────────────────────────────────────────────────────────────────

const RuleSet = z.strictObject({ allow: z.array(z.string()).optional(), deny: z.array(z.string()).optional() });
const ArgvRuleSet = z.strictObject({ allow: z.array(z.array(z.string()).min(1)).optional(), deny: z.array(z.array(z.string()).min(1)).optional() });
export const ScopeParams = z.strictObject({
  fs: z.strictObject({ read: RuleSet.optional(), write: RuleSet.optional() }).optional(),
  net: RuleSet.optional(),
  exec: ArgvRuleSet.optional(),
});

const Path = z.string().min(1).max(4096);
export const ActionRequestSchema = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('fs.read'), path: Path, encoding: z.enum(['utf8', 'base64']).optional() }),
  z.strictObject({ action: z.literal('fs.write'), path: Path, content: z.string(), encoding: z.enum(['utf8', 'base64']).optional() }),
  z.strictObject({ action: z.literal('fs.list'), path: Path }),
  z.strictObject({ action: z.literal('fs.stat'), path: Path }),
  z.strictObject({ action: z.literal('fs.delete'), path: Path, recursive: z.boolean().optional() }),
  z.strictObject({ action: z.literal('fs.mkdir'), path: Path }),
  z.strictObject({
    action: z.literal('net.fetch'), url: z.string().min(1).max(8192), method: z.string().min(1).max(16).optional(),
    headers: z.record(z.string(), z.string()).optional(), body: z.string().optional(),
  }),
  z.strictObject({
    action: z.literal('exec'), argv: z.array(z.string()).min(1), cwd: z.string().optional(),
    timeoutMs: z.number().int().positive().optional(), input: z.string().optional(),
  }),
]) satisfies z.ZodType<ActionRequest>;

export interface TaskInfo { id: string; intent: string; template?: string; started: number; expires: number }
export interface GrantInfo { id: string; taskId: string; scope: 'once' | 'task'; kind: string; target?: string | readonly string[]; created: number }
export interface PolicyInfo { file: string; hash: string; warnings: AirlockProblem[] }

// ── client → harness ────────────────────────────────────────────────────────────────────────────────────────────────

export const InitializeParams = z.strictObject({
  protocolVersion: z.number().int(),
  clientName: z.string().min(1),
  /** The workspace folder the agent works in. */
  workspaceRoot: z.string().min(1),
  /** Default: <workspaceRoot>/.airlock/policy.json, or the airlock:default preset when there is none. */
  policyFile: z.string().optional(),
  /** The user's or organisation's baseline, which the workspace policy only narrows. Default: $AIRLOCK_BASELINE_POLICY,
   * else ~/.config/airlock/policy.json when it exists; "none" for none. */
  baselinePolicyFile: z.string().optional(),
  /** Default: a per-workspace folder in the user's state directory. */
  logDir: z.string().optional(),
  /** Who answers approval prompts: the client (approval/request) or nobody (deny). */
  prompter: z.enum(['client', 'deny-all']).default('client'),
  /** Serve the gateway (a socket agent hooks and the MCP server reach the editor through). Default: with prompter client. */
  gateway: z.boolean().optional(),
});
/** `policy` is null when it failed to load: then no task can start (Airlock fails closed) until policy/load succeeds. */
export interface InitializeResult { protocolVersion: number; session: string; logFile: string; policy: PolicyInfo | null; problems: AirlockProblem[]; gateway?: string }
/** client → harness: first message; exchanges protocol versions and opens the session. */
export const initialize = new RequestType<z.input<typeof InitializeParams>, InitializeResult, void>('initialize');

export const PolicyLoadParams = z.strictObject({ file: z.string().optional() });
export type PolicyLoadResult = { ok: true; policy: PolicyInfo } | { ok: false; problems: AirlockProblem[] };
/** client → harness: loads or reloads the policy. On failure the previous policy stays (or, if none, everything is denied). */
export const policyLoad = new RequestType<z.input<typeof PolicyLoadParams>, PolicyLoadResult, void>('policy/load');

export const TaskStartParams = z.strictObject({
  intent: z.string().optional(), template: z.string().optional(), scope: ScopeParams.optional(),
  ttlSeconds: z.number().int().positive().optional(),
});
/** client → harness: starts a task from a template or an explicit scope (which only narrows the policy). */
export const taskStart = new RequestType<z.input<typeof TaskStartParams>, TaskInfo, void>('task/start');

export const TaskRef = z.strictObject({ taskId: z.string().min(1) });
/** client → harness: ends a task; its grants are revoked. */
export const taskEnd = new RequestType<z.input<typeof TaskRef>, { ended: boolean }, void>('task/end');
/** client → harness: lists running tasks. */
export const taskList = new RequestType0<TaskInfo[], void>('task/list');

export const GrantListParams = z.strictObject({ taskId: z.string().optional() });
/** client → harness: lists grants (of one task or all). */
export const grantList = new RequestType<z.input<typeof GrantListParams>, GrantInfo[], void>('grant/list');
export const GrantRevokeParams = z.strictObject({ grantId: z.string().min(1) });
/** client → harness: revokes a grant. */
export const grantRevoke = new RequestType<z.input<typeof GrantRevokeParams>, { revoked: boolean }, void>('grant/revoke');

export const ActionRunParams = z.strictObject({ taskId: z.string().min(1), request: ActionRequestSchema });
/** client → harness: runs one agent action through the pipeline; denials are results, not errors. */
export const actionRun = new RequestType<z.input<typeof ActionRunParams>, ActionResult, void>('action/run');

export const ScriptRunParams = z.strictObject({ taskId: z.string().min(1), code: z.string().max(1024 * 1024) });
/** client → harness: runs an agent-written script in the task's isolate. */
export const scriptRun = new RequestType<z.input<typeof ScriptRunParams>, ActionResult, void>('script/run');

export const ToolCallParams = z.strictObject({
  taskId: z.string().min(1),
  /** One of Airlock's agent tools (sandbox/protocol/agentTools.ts), as `airlock mcp` serves them. */
  name: z.string().min(1),
  /** Validated against the tool's own schema on arrival; a bad one is InvalidParams naming the field. */
  arguments: z.record(z.string(), z.unknown()).default({}),
});
/** A tool's result as the model reads it; isError marks refusals (what, which rule, what instead) and failures. */
export interface ToolCallResult { text: string; isError: boolean }
/** client → harness: runs one of Airlock's agent tools in a task (the editor's language-model tools use it). */
export const toolCall = new RequestType<z.input<typeof ToolCallParams>, ToolCallResult, void>('tool/call');

/** What Airlock would decide for a tool call: the primary action's verdict, or `per-call` for a script. */
export interface ToolPreview { tool: string; action?: string; target?: string; verdict: 'allow' | 'ask' | 'deny' | 'per-call'; reason: string }
/** client → harness: previews a tool call's verdict now, without asking, logging or performing anything. */
export const toolPreview = new RequestType<z.input<typeof ToolCallParams>, ToolPreview, void>('tool/preview');

export const KillParams = z.strictObject({ target: z.string().min(1), reason: z.string().optional() });
/** client → harness: the kill switch: `target` is a task id or "all". */
export const kill = new RequestType<z.input<typeof KillParams>, { killed: string[] }, void>('kill');

export const LogFilterParams = z.strictObject({
  task: z.string().optional(), verdict: z.enum(['allow', 'ask', 'deny']).optional(), action: z.string().optional(),
  since: z.string().optional(), until: z.string().optional(),
});
export const LogReadParams = z.strictObject({ filter: LogFilterParams.optional(), limit: z.number().int().positive().max(100000).optional() });
/** client → harness: reads this session's action log (entries as written, filtered). */
export const logRead = new RequestType<z.input<typeof LogReadParams>, unknown[], void>('log/read');
export const LogFollowParams = z.strictObject({ filter: LogFilterParams.optional() });
/** client → harness: from now on, sends each appended entry matching the filter as log/entry. */
export const logFollow = new RequestType<z.input<typeof LogFollowParams>, { following: true }, void>('log/follow');
/** client → harness: stops log/entry notifications. */
export const logUnfollow = new RequestType0<{ following: false }, void>('log/unfollow');

export const PolicyExplainParams = z.strictObject({
  action: z.enum(['fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir', 'net.fetch', 'exec']),
  /** A path, a URL, or for exec the argv. */
  target: z.union([z.string().min(1).max(8192), z.array(z.string()).min(1)]),
  /** Decide within this running task (its scope and grants); default: the policy alone. */
  taskId: z.string().min(1).optional(),
});
/** The verdict, the rule that decided it (file, JSON path, line and column when known) and why. */
export interface PolicyExplainResult { verdict: 'allow' | 'ask' | 'deny'; rule: RuleRefInfo; reason: string; target: string }
export interface RuleRefInfo { layer: string; file?: string; jsonPath?: string; pattern?: string; line?: number; col?: number; grantId?: string }
/** client → harness: explains the decision the current policy (and a task, if named) makes for one action; performs nothing. */
export const policyExplain = new RequestType<z.input<typeof PolicyExplainParams>, PolicyExplainResult, void>('policy/explain');

export interface TaskTemplateEntry { name: string; intent: string; ttlSeconds: number }
/** client → harness: the task templates of the loaded policy (for Start Task). */
export const policyTemplates = new RequestType0<TaskTemplateEntry[], void>('policy/templates');

export const SessionRunParams = z.strictObject({ file: z.string().min(1).max(4096) });
export interface SessionRunStep {
  index: number; name?: string; action: string; target: string; verdict?: string; decidedBy?: string; outcome: string; ok: boolean;
  failures: string[]; error?: { code: string; message: string };
}
export interface SessionRunResult { name: string; file: string; ok: boolean; task?: string; steps: SessionRunStep[]; problems: AirlockProblem[] }
/**
 * client → harness: runs a scripted session file (*.airlock-session.json) through this harness: in the session's
 * workspace root (the open one, not a copy), under the loaded policy, in a new task from the session's `task`. The
 * file's `approvals` answer first; a prompt they do not answer goes to the client as a normal approval/request.
 * The file's `workspace` and `policy` fields are ignored here (they are for `airlock run`).
 */
export const sessionRun = new RequestType<z.input<typeof SessionRunParams>, SessionRunResult, void>('session/run');

// ── the action log panel: exact lines, past logs, verification (read-only: nothing here writes a log) ─────────────

const LogFile = z.string().min(1).max(4096).refine((f) => f.endsWith('.jsonl') && (f.startsWith('/') || /^[A-Za-z]:[\\/]/.test(f)), 'an absolute path to a .jsonl log file');

/** One of the workspace's logs. `live`: the log this harness session writes. */
export interface LogFileInfo { file: string; name: string; bytes: number; modified: string; live: boolean }
/** client → harness: the workspace's logs (the session's log folder), newest first. */
export const logList = new RequestType0<LogFileInfo[], void>('log/list');

/** Largest page of lines log/lines returns (a single longer line is returned whole). */
export const MAX_LOG_PAGE_BYTES = 8 * 1024 * 1024;
export const LogLinesParams = z.strictObject({
  /** Default: this session's log. */
  file: LogFile.optional(),
  /** Byte offset of a line start; 0 for the beginning, a previous nextOffset to continue. */
  offset: z.number().int().min(0).default(0),
  maxBytes: z.number().int().positive().max(MAX_LOG_PAGE_BYTES).default(4 * 1024 * 1024),
});
export interface LogLinesResult { file: string; offset: number; nextOffset: number; size: number; lines: string[]; end: boolean }
/** client → harness: exact whole lines of a log (`<hash> <json>`), a page at a time, so an export still verifies. */
export const logLines = new RequestType<z.input<typeof LogLinesParams>, LogLinesResult, void>('log/lines');

export const LogWatchParams = z.strictObject({ file: LogFile.optional(), offset: z.number().int().min(0) });
/** client → harness: from `offset` on, sends every whole line appended to the log as log/appended (one watch per file). */
export const logWatch = new RequestType<z.input<typeof LogWatchParams>, { watching: true; file: string }, void>('log/watch');
export const LogUnwatchParams = z.strictObject({ file: LogFile.optional() });
/** client → harness: stops log/appended for that file. */
export const logUnwatch = new RequestType<z.input<typeof LogUnwatchParams>, { watching: false }, void>('log/unwatch');
/** Whole lines appended to a watched log, in order, from `offset` to `nextOffset`. */
export interface LogAppended { file: string; offset: number; nextOffset: number; lines: string[] }
/** harness → client: whole lines appended to a watched log, in order, from `offset` to `nextOffset`. */
export const logAppended = new NotificationType<LogAppended>('log/appended');

export const LogVerifyParams = z.strictObject({
  file: LogFile.optional(),
  /** incremental: only the lines after the last verification of this file in this session (full when there is none). */
  mode: z.enum(['full', 'incremental']).default('incremental'),
});
export interface LogVerifyResult {
  file: string;
  mode: 'full' | 'incremental';
  ok: boolean;
  /** First seq checked by this run, and the last seq known good. */
  from: number;
  verifiedUpTo: number;
  lastCheckpoint?: { index: number; keyId: string; seq?: number };
  /** Where the chain breaks, with verify's reason. */
  problem?: { seq?: number; line: number; kind: string; message: string };
  /** The head kept apart is missing: the log cannot be called intact at its end. */
  headMissing: boolean;
  /** The log is being written by this session. */
  live: boolean;
}
/** client → harness: verifies a log (hash chain, seq, checkpoint signatures, head kept apart), fully or incrementally. */
export const logVerify = new RequestType<z.input<typeof LogVerifyParams>, LogVerifyResult, void>('log/verify');

// ── connecting agents: their pre-tool hooks in their settings files (the harness reads and writes the files) ─────────

/** The agents `airlock hook` answers for, as named on its command line. */
export const HOOK_AGENTS = ['claude-code', 'vscode', 'copilot', 'codex', 'gemini', 'cursor'] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];
export const HOOK_AGENT_LABELS: Record<HookAgent, string> = {
  'claude-code': 'Claude Code', vscode: 'VS Code agent mode', copilot: 'GitHub Copilot (CLI and coding agent)', codex: 'Codex CLI', gemini: 'Gemini CLI', cursor: 'Cursor',
};
export const HooksPlanParams = z.strictObject({
  agents: z.array(z.enum(HOOK_AGENTS)).min(1).max(HOOK_AGENTS.length),
  /** project: the workspace's settings files; user: the home folder's. */
  scope: z.enum(['project', 'user']),
  /** The command line that runs the hook, up to the agent's name (e.g. `"/usr/bin/node" "/ext/dist/hook.js"`). */
  command: z.string().min(1).max(8192).refine((c) => !/[\r\n\0]/.test(c), 'a single line without NUL'),
});
/** One settings file's edit: `diff` is what applying changes (empty when nothing would). */
export interface HookPlanView { agent: HookAgent; file: string; installed: boolean; changed: boolean; diff: string; problem?: string }
/** client → harness: what connecting these agents would change in their settings files (nothing is written). */
export const hooksPlan = new RequestType<z.input<typeof HooksPlanParams>, { plans: HookPlanView[] }, void>('hooks/plan');
export const HooksApplyParams = HooksPlanParams.extend({
  /** The diffs the user saw and confirmed, per agent: a file that changed since is refused, not overwritten. */
  confirmed: z.array(z.strictObject({ agent: z.enum(HOOK_AGENTS), diff: z.string().max(4 * 1024 * 1024) })).min(1).max(HOOK_AGENTS.length),
});
export interface HookApplied { agent: HookAgent; file: string; written: boolean; reason: string }
/** client → harness: writes the confirmed edits (each only if it is still exactly the one previewed). */
export const hooksApply = new RequestType<z.input<typeof HooksApplyParams>, { applied: HookApplied[] }, void>('hooks/apply');

/** client → harness: ends every task and closes the log (final checkpoint); the host then waits for exit. */
export const shutdown = new RequestType0<{ logFile: string | null }, void>('shutdown');
/** client → harness: exit now; code 0 after shutdown, else the transport-lost code (as the language server protocol does). */
export const exit = new NotificationType0('exit');

// ── harness → client ────────────────────────────────────────────────────────────────────────────────────────────────

/** harness → client: asks the user about an out-of-scope action. No answer by `deadline` means deny. */
export const approvalRequest = new RequestType<ApprovalRequest, ApprovalAnswer, void>('approval/request');
export const ApprovalAnswerSchema = z.strictObject({
  answer: z.enum(['allow-once', 'allow-task', 'always', 'deny']),
  target: z.union([z.string(), z.array(z.string())]).optional(),
});

/** harness → client: an entry was appended to the action log (sent while following). */
export const logEntry = new NotificationType<unknown>('log/entry');

/** harness → client: a task started, ended, expired or was killed. */
export const taskStatus = new NotificationType<{ taskId: string; status: 'started' | 'ended' | 'expired' | 'killed'; reason?: string }>('task/status');

/** harness → client: problems found while loading the policy (errors and warnings, located). */
export const policyDiagnostics = new NotificationType<{ file: string; problems: AirlockProblem[] }>('policy/diagnostics');

/** Formats a zod error as `jsonPath: message` lines, for JSON-RPC InvalidParams errors. */
export function describeInvalid(method: string, error: z.ZodError): string {
  return `${method}: invalid params: ` + error.issues
    .map((i) => `${i.path.length ? i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(root)'}: ${i.message}`)
    .join('; ');
}

// ── gateway: agent hooks and the MCP server → harness (a local socket `airlock host` serves) ────────────────────────
// JSON-RPC 2.0 over a Unix socket in Airlock's state directory (one per workspace, folder 0700, socket 0600). The first
// message must be gateway/hello with the per-session token from the 0600 file next to the socket; anything else closes
// the connection.

/** Largest gateway message the harness accepts, in bytes. */
export const GATEWAY_MAX_MESSAGE_BYTES = 1024 * 1024;

const Fs = z.enum(['fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir']);
export const PolicyActionSchema = z.union([
  z.strictObject({ kind: Fs, path: Path }),
  z.strictObject({ kind: z.literal('net.fetch'), url: z.string().min(1).max(8192), method: z.string().min(1).max(16).optional() }),
  z.strictObject({ kind: z.literal('exec'), argv: z.array(z.string()).min(1).max(4096), cwd: z.string().optional() }),
  z.strictObject({ kind: z.literal('tool'), tool: z.string().min(1).max(512), args: z.array(z.string()).max(64).optional() }),
]);

export const GatewayHelloParams = z.strictObject({ token: z.string().min(1).max(256), client: z.enum(['hook', 'mcp']), pid: z.number().int().optional() });
export interface GatewayHelloResult { workspaceRoot: string; session: string }
/** hook or MCP server → harness: first message; authenticates with the token. */
export const gatewayHello = new RequestType<z.input<typeof GatewayHelloParams>, GatewayHelloResult, void>('gateway/hello');

export const GatewayHookParams = z.strictObject({
  agent: z.string().min(1).max(64),
  session: z.string().min(1).max(512),
  toolUseId: z.string().max(512).optional(),
  tool: z.string().min(1).max(512),
  cwd: z.string().min(1).max(4096),
  event: z.enum(['pre', 'post']),
  /** The whole call as one action (asked about when its parts cannot all be judged). */
  whole: PolicyActionSchema,
  /** Every part: an action and whether all its arguments are known. */
  items: z.array(z.strictObject({ action: PolicyActionSchema, exact: z.boolean() })).max(256),
  /** Why the call cannot be judged in full (each makes it asked). */
  unresolved: z.array(z.string().max(2000)).max(64),
  /** Set for the agent's own bookkeeping tools, which touch nothing. */
  internal: z.string().max(500).optional(),
  /** post only: the tool's outcome and a digest of its response. */
  outcome: z.strictObject({ failed: z.boolean(), digest: z.string().max(100) }).optional(),
});
export type GatewayHookParams = z.input<typeof GatewayHookParams>;
export interface GatewayHookResult { verdict: 'allow' | 'ask' | 'deny'; reason: string; stop?: string; task?: string; logSeq?: number }
/** hook → harness: judge one agent tool call (pre) in the harness's Enforcer, asking the editor; or log its outcome (post). */
export const gatewayHook = new RequestType<z.input<typeof GatewayHookParams>, GatewayHookResult, void>('gateway/hook');

export const GatewayAskParams = z.strictObject({ request: z.custom<ApprovalRequest>((v) => typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string' && typeof (v as { deadline?: unknown }).deadline === 'number') });
/** MCP server → harness: a bare approval question for the editor (the same approval/request UI); no answer means deny. */
export const gatewayAsk = new RequestType<z.input<typeof GatewayAskParams>, ApprovalAnswer, void>('gateway/ask');
