// The vocabulary of the enforcement pipeline: what an agent asks for, what it gets back, and how the user is asked.
import type { Action, ActionKind, Decision, Verdict } from '../policy/types.js';

/** One agent tool action, as the agent (or a scripted session step) states it. */
export type ActionRequest =
  | { action: 'fs.read'; path: string; encoding?: 'utf8' | 'base64' }
  | { action: 'fs.write'; path: string; content: string; encoding?: 'utf8' | 'base64' }
  | { action: 'fs.list'; path: string }
  | { action: 'fs.stat'; path: string }
  | { action: 'fs.delete'; path: string; recursive?: boolean }
  | { action: 'fs.mkdir'; path: string }
  | { action: 'net.fetch'; url: string; method?: string; headers?: Record<string, string>; body?: string }
  | { action: 'exec'; argv: string[]; cwd?: string; timeoutMs?: number; input?: string };

/** Who made the final call on an action. */
export type DecidedBy = 'policy' | 'grant' | 'user' | 'timeout' | 'killswitch';

export type Outcome = 'done' | 'denied' | 'error' | 'killed';

/** What the agent gets back: the verdict the policy gave, who decided, the outcome, and the reason. */
export interface ActionResult {
  action: ActionKind | 'script';
  target: string;
  /** What the policy said before anyone was asked. */
  verdict: Verdict;
  decidedBy: DecidedBy;
  rule: Decision['rule'];
  reason: string;
  outcome: Outcome;
  /** The action's result (file contents, listing, response, command output, script value) when done. */
  result?: unknown;
  /** Why it was refused or failed: a code and a message a model can act on. */
  error?: { code: string; message: string };
  /** Sequence number of the decision entry in the action log. */
  logSeq?: number;
  /** For scripts: what the script printed with console.log/warn/error. */
  console?: { level: 'log' | 'warn' | 'error'; text: string }[];
}

/** How a user may answer a prompt. `always` adds a rule to the workspace policy (the extension writes it). */
export type ApprovalAnswerKind = 'allow-once' | 'allow-task' | 'always' | 'deny';

export interface ApprovalRequest {
  id: string;
  task: { id: string; intent: string };
  action: Action;
  /** The target as shown to the user: a path, a URL, or argv as JSON. */
  target: string;
  /** The decision that led to asking (its rule and reason). */
  decision: Decision;
  /** Grant scopes the user may pick: the exact target, or wider patterns for the task. */
  suggestions: { answer: ApprovalAnswerKind; target?: string | string[]; label: string }[];
  /** Epoch ms after which no answer means deny. */
  deadline: number;
  /** When a real agent asks through its pre-tool hook: which agent, its session and tool-use ids (agent-chosen: escape before showing). */
  agent?: AgentRef;
  /**
   * The agent-chosen texts as a person may safely see them (displaySafe: control, C1, bidi and invisible characters
   * escaped visibly; argv quoted as a shell reads it back). A UI shows these, never the raw fields above.
   */
  display: ApprovalDisplay;
}

export interface ApprovalDisplay {
  target: string;
  reason: string;
  intent: string;
}

/** A real agent reached through its hook: its name, its session and the tool call's id. */
export interface AgentRef { name: string; session: string; toolUseId?: string; tool?: string }

export interface ApprovalAnswer {
  answer: ApprovalAnswerKind;
  /** For allow-task / always: the pattern the grant covers (defaults to the exact target). */
  target?: string | string[];
}

/** The port through which the pipeline asks the user. Adapters: scripted (harness), the extension (protocol), deny-all. */
export interface Prompter {
  /** Resolves with the user's answer. A rejection, a timeout or an aborted signal means deny. */
  ask(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer>;
}
