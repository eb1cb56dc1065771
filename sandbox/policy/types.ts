// Core vocabulary of the policy engine: actions an agent asks for, and the decisions (with their reasons) Airlock makes.

/** Every capability an agent can ask for. Listing and stat follow fs.read; delete and mkdir follow fs.write. */
export const ACTION_KINDS = ['fs.read', 'fs.list', 'fs.stat', 'fs.write', 'fs.delete', 'fs.mkdir', 'net.fetch', 'exec', 'tool'] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
export type FsActionKind = Extract<ActionKind, `fs.${string}`>;

/** The policy rule list that governs each fs action. */
export const FS_RULE_OF: Record<FsActionKind, 'read' | 'write'> = {
  'fs.read': 'read', 'fs.list': 'read', 'fs.stat': 'read',
  'fs.write': 'write', 'fs.delete': 'write', 'fs.mkdir': 'write',
};

/** One action as the decision sees it. Paths are as the agent wrote them (workspace-relative or absolute). */
export type Action =
  | { kind: FsActionKind; path: string }
  /** `address`: the IP the guard resolved and will connect to; when set, the SSRF rules apply to it. */
  | { kind: 'net.fetch'; url: string; method?: string; address?: string }
  /** `program`: the absolute path the guard resolved argv[0] to; patterns with a slash match it. */
  /** `cwd`: the working directory as the agent gave it (workspace-relative), against which path arguments resolve. */
  /** `paths`: absolute real paths (symlinks resolved by the guard) of the working directory and of every argument read as a path. */
  | { kind: 'exec'; argv: readonly string[]; program?: string; cwd?: string; paths?: readonly string[] }
  /** A tool an agent calls by name (an MCP server's tool): `tool` is `server/tool`; `args` the string values it was given. */
  | { kind: 'tool'; tool: string; args?: readonly string[] };

export type Verdict = 'allow' | 'ask' | 'deny';

/** Where a rule lives, from the most to the least authoritative. */
export type Layer = 'builtin' | 'baseline' | 'workspace' | 'task' | 'grant' | 'default';

/** Provenance of a decision: which layer, file, JSON path and pattern text decided it. */
export interface RuleRef {
  layer: Layer;
  /** The policy file (as given by the user), a preset name such as `airlock:default`, or absent for built-ins. */
  file?: string;
  /** JSON path inside that file, e.g. `fs.write.deny[0]`. */
  jsonPath?: string;
  /** The pattern text as written (argv patterns are shown as JSON). */
  pattern?: string;
  /** 1-based position of the pattern in the file, when known. */
  line?: number;
  col?: number;
  /** For grants: the grant id. */
  grantId?: string;
}

/** A decision carries its reason, as Cedar's authorizer does: the verdict, the rule that decided it, and why. */
export interface Decision {
  verdict: Verdict;
  rule: RuleRef;
  /** One sentence a human or a model can act on, e.g. `fs.write "package.json" is denied by workspace policy fs.write.deny[0] "package.json"`. */
  reason: string;
  /** For denies that no rule list decides, a stable code: `path.invalid`, `net.bad-url`, `net.credentials`, `net.scheme`, `net.ssrf`, `net.bad-address`, `exec.empty`, `task.expired`. */
  code?: string;
}

/** A grant the user gave in answer to a prompt. `once` is bound to the exact action; `task` to a target pattern. */
export type Grant =
  | { id: string; taskId: string; scope: 'once'; kind: ActionKind; actionHash: string; created: number }
  | { id: string; taskId: string; scope: 'task'; kind: ActionKind; target: string | readonly string[]; created: number };
