// The shape of one action-log entry: what callers hand to append() and what readers get back.

export type EntryKind =
  | 'session.start' | 'policy.load' | 'task.start' | 'task.end' | 'decision' | 'outcome' | 'script'
  | 'grant' | 'revoke' | 'kill' | 'recovery' | 'checkpoint' | 'session.end'
  /** Something the client sent that the harness refused and records (a second answer to one approval request). */
  | 'protocol';

export const ENTRY_KINDS: readonly EntryKind[] = [
  'session.start', 'policy.load', 'task.start', 'task.end', 'decision', 'outcome', 'script',
  'grant', 'revoke', 'kill', 'recovery', 'checkpoint', 'session.end', 'protocol',
];

export interface EntryInput {
  kind: EntryKind;
  task?: string;
  action?: string;
  /** What the action touches (path, URL, argv); secrets are redacted before it is written. */
  target?: string;
  verdict?: 'allow' | 'ask' | 'deny';
  /** Provenance of the decision (a RuleRef from the policy engine). */
  rule?: unknown;
  decidedBy?: 'policy' | 'user' | 'timeout' | 'killswitch' | 'grant';
  outcome?: 'done' | 'denied' | 'error' | 'killed';
  error?: { code: string; message: string };
  durationMs?: number;
  /** Digests of contents (`sha256:<hex>`, see digest()), never the contents themselves. */
  digests?: Record<string, string>;
  /** SHA-256 of the script this capability call belongs to. */
  script?: string;
  /** Seq of the decision an outcome belongs to. */
  ref?: number;
  /** Kind-specific details: policyHash, grant, headers, ... (redacted). */
  data?: Record<string, unknown>;
}

export interface LogEntry extends EntryInput {
  v: 1;
  seq: number;
  ts: string;
  session: string;
  /** Hash of the previous entry (for the first entry: the hash of the session header). */
  prev: string;
  hash: string;
}
