// A real log for the panel tests, written by the real ActionLog with the entry shapes the Enforcer writes: policy allows,
// a grant, a user's approval and refusal, a timeout, the kill switch, and targets an attacker chose.
import fs from 'node:fs';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';

export const HOSTILE_TARGET = 'evil\u202Etxt.exe\n#99 allow <img src=x onerror="document.title=\'pwned\'">\x1b[2K';

export function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

/** Appends one action the way the Enforcer does: (ask →) decision → outcome. */
export function act(log: ActionLog, task: string, action: string, target: string, how: 'policy' | 'deny' | 'user-allow' | 'user-deny' | 'timeout' | 'grant'): void {
  const rule = how === 'deny'
    ? { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.write.deny[0]', pattern: 'package-lock.json', line: 7, col: 35 }
    : how === 'policy' ? { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.read.allow[0]', pattern: 'src/**', line: 5, col: 27 }
      : how === 'grant' ? { layer: 'grant', grantId: 'grant-1', pattern: 'docs/**' } : { layer: 'default' };
  let askedIn: number | undefined;
  if (how.startsWith('user') || how === 'timeout') {
    askedIn = log.append({ kind: 'decision', task, action, target, verdict: 'ask', rule, decidedBy: 'policy', data: { allowed: false, pending: true, reason: `no rule allows ${action} "${target}"; the policy default is ask.` } }).seq;
  }
  if (how === 'user-allow') log.append({ kind: 'grant', task, action, target, decidedBy: 'user', data: { grant: { id: 'grant-1', scope: 'task', kind: action, target: 'docs/**', taskId: task } } });
  const allowed = how === 'policy' || how === 'user-allow' || how === 'grant';
  const decidedBy = how === 'user-allow' || how === 'user-deny' ? 'user' : how === 'timeout' ? 'timeout' : how === 'grant' ? 'grant' : 'policy';
  const verdict = askedIn !== undefined ? 'ask' : allowed ? 'allow' : 'deny';
  const reason = how === 'user-deny' ? 'the user refused it' : how === 'user-allow' ? 'the user allowed it (allow-task, grant grant-1)' : how === 'timeout' ? 'no answer within 60 s, so Airlock denied it' : how === 'deny' ? `${action} "${target}" is denied by workspace policy fs.write.deny[0]` : `${action} "${target}" is allowed`;
  const seq = log.append({ kind: 'decision', task, action, target, verdict, rule, decidedBy, data: { allowed, reason, ...(askedIn !== undefined ? { askedIn } : {}) } }).seq;
  log.append({
    kind: 'outcome', task, action, target, ref: seq, outcome: allowed ? 'done' : 'denied', durationMs: allowed ? 3 : 0,
    ...(allowed ? { digests: { content: `sha256:${'ab'.repeat(32)}` } } : { error: { code: 'denied', message: `Airlock denied ${action} "${target}": ${reason}` } }),
  });
}

export function writePanelLog(dir: string): { log: ActionLog; file: string; keyDir: string } {
  const keyDir = path.join(dir, 'keys');
  const log = ActionLog.open({ file: path.join(dir, 'session.jsonl'), session: 'panel-test', policyHash: 'a'.repeat(64), keyDir, header: { client: 'airlock-test' } });
  log.append({ kind: 'task.start', task: 'task-fix', data: { intent: 'fix the parser tests' } });
  act(log, 'task-fix', 'fs.read', 'src/parser.ts', 'policy');
  act(log, 'task-fix', 'fs.write', 'package-lock.json', 'deny');
  act(log, 'task-fix', 'fs.write', 'package.json', 'user-deny');
  act(log, 'task-fix', 'fs.write', 'docs/parser.md', 'user-allow');
  act(log, 'task-fix', 'fs.write', 'docs/quoting.md', 'grant');
  act(log, 'task-fix', 'exec', '["npm","install","left-pad"]', 'user-deny');
  act(log, 'task-fix', 'net.fetch', 'https://example.com/', 'timeout');
  log.append({ kind: 'task.start', task: 'task-docs', data: { intent: 'write docs' } });
  act(log, 'task-docs', 'fs.write', HOSTILE_TARGET, 'deny');
  act(log, 'task-docs', 'fs.read', 'README.md', 'policy');
  return { log, file: log.file, keyDir };
}
