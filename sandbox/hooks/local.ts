// Without a running extension: the hook decides on its own against the workspace policy (and baseline, and the hooks
// task), keeps the agent session's task in the state directory, and logs to a hash-chained log of that session.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPolicy, userBaselineFile } from '../policy/load.js';
import { policyTestProblems, runPolicyTests, testedSource } from '../policy/policyTests.js';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Action } from '../policy/types.js';
import { decide } from '../policy/decide.js';
import { describeTarget } from '../policy/format.js';
import { shownAction, shownPath } from '../policy/shownPath.js';
import { startTask, type Task } from '../policy/task.js';
import { ActionLog } from '../log/writer.js';
import { airlockStateDir, defaultKeyDir, defaultLogDir } from '../log/paths.js';
import { AirlockError } from '../errors.js';
import type { HookAnswer, HookCall } from './agents.js';
import { canAsk } from './agents.js';
import { judgeCall } from './judge.js';
import type { Mapped } from './mapping.js';
import { agentTaskOptions } from './tasks.js';

/** The workspace a hook's cwd belongs to: the nearest folder up with `.airlock/policy.json`, else with `.git`, else cwd. */
export function findWorkspaceRoot(cwd: string): string {
  const start = fs.realpathSync(cwd);
  for (const marker of [path.join('.airlock', 'policy.json'), '.git']) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, marker))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  return start;
}

export type WorkspacePolicy = { policy: CompiledPolicy } | { problem: string };

/** The workspace's policy (with the baseline), its examples checked; `onRead` hears of every file the load read. */
export function loadWorkspacePolicy(workspaceRoot: string, onRead?: (file: string, text: string | undefined) => void): WorkspacePolicy {
  const baselineFile = userBaselineFile();
  const protectedPaths = [airlockStateDir(), defaultKeyDir()];
  // The policy's own `tests` run below, unless these very files already passed them in this engine (the cache).
  const result = loadPolicy({ workspaceRoot, ...(baselineFile ? { baselineFile } : {}), protectedPaths, checkExamples: false, ...(onRead ? { onRead } : {}) });
  let problems = result.ok ? [] : result.problems;
  if (result.ok && (testedSource(result.policy)?.doc.tests?.length ?? 0) > 0) {
    const passed = examplesPassedFile(result.policy, protectedPaths);
    if (!examplesPassed(passed)) {
      try {
        problems = policyTestProblems(runPolicyTests(result.policy));
      } catch (e) {
        problems = [{ code: 'policy.test-failed', severity: 'error', message: e instanceof Error ? e.message : String(e) }];
      }
      if (problems.length === 0) recordExamplesPassed(passed);
    }
  }
  if (result.ok && problems.length === 0) return { policy: result.policy };
  const first = problems.filter((p) => p.severity !== 'warning').slice(0, 3).map((p) => {
    const where = p.place?.file ? `${p.place.file}${p.place.line ? `:${p.place.line}:${p.place.col ?? 1}` : ''}${p.place.jsonPath ? ` ${p.place.jsonPath}` : ''}: ` : '';
    return `${where}${p.message}`;
  });
  return { problem: `the workspace policy does not load (${first.join('; ')}); fix it, then try again` };
}

/**
 * Where the record that a policy's examples passed lives: in the state directory (0700, a built-in protected path, so an
 * agent cannot forge it), named by a hash of everything the examples' results depend on: the policy's files (its hash
 * covers every layer's documents), the workspace, the home folder, the protected paths, and this very engine (the
 * running code's file and its size and time, and Node's version), so a changed file or a new Airlock runs them again.
 */
function examplesPassedFile(policy: CompiledPolicy, protectedPaths: readonly string[]): { file: string; key: string } {
  let engine = process.version;
  try {
    const self = fileURLToPath(import.meta.url);
    const st = fs.statSync(self);
    engine += `:${self}:${st.size}:${st.mtimeMs}:${st.ino}`;
  } catch {
    engine += `:${crypto.randomUUID()}`; // unknown engine: never reuse
  }
  const key = crypto.hash('sha256', JSON.stringify({ v: 1, engine, policy: policy.hash, workspace: policy.resolved.workspaceRoot, home: policy.homeDir, protectedPaths }), 'hex');
  return { file: path.join(airlockStateDir(), 'policy-tests', key), key };
}

/** Valid only as written: a file of this user's, closed to others, holding its own key. */
function examplesPassed(passed: { file: string; key: string }): boolean {
  try {
    const st = fs.statSync(passed.file);
    if (typeof process.getuid === 'function' && (st.uid !== process.getuid() || (st.mode & 0o077) !== 0)) return false;
    return fs.readFileSync(passed.file, 'utf8') === passed.key;
  } catch {
    return false;
  }
}

function recordExamplesPassed(passed: { file: string; key: string }): void {
  try {
    fs.mkdirSync(path.dirname(passed.file), { recursive: true, mode: 0o700 });
    const tmp = `${passed.file}.${process.pid}`;
    fs.writeFileSync(tmp, passed.key, { mode: 0o600 });
    fs.renameSync(tmp, passed.file);
  } catch {
    // No record: the examples run again next time.
  }
}

interface SessionState {
  taskId: string;
  started: number;
  /** Decisions by tool-use id, for the post hook's outcome entry. */
  decisions: Record<string, { seq: number; kind: string; target: string }>;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80) + (/[^A-Za-z0-9._-]/.test(s) || s.length > 80 ? `-${crypto.hash('sha256', s, 'hex').slice(0, 8)}` : '');

function hookDir(workspaceRoot: string): string {
  return path.join(defaultLogDir(workspaceRoot), 'hooks');
}

/** `airlock hooks kill`: every agent session of this workspace that started before now is denied and stopped. */
export function killLocalSessions(workspaceRoot: string, now = Date.now()): string {
  const dir = hookDir(workspaceRoot);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'killed');
  fs.writeFileSync(file, String(now), { mode: 0o600 });
  return file;
}

function killedAt(workspaceRoot: string): number {
  try {
    return Number(fs.readFileSync(path.join(hookDir(workspaceRoot), 'killed'), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

/** Opens the session's log; another hook process of the same session may hold it for a moment (parallel tool calls). */
async function openLog(file: string, session: string, policyHash: string, header: Record<string, unknown>): Promise<ActionLog> {
  for (let attempt = 0; ; attempt++) {
    try {
      return ActionLog.open({ file, session, policyHash, header, fsyncWindowMs: 0 });
    } catch (err) {
      if (!(err instanceof AirlockError && err.code === 'log.locked') || attempt >= 200) throw err;
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    }
  }
}

/**
 * In a long-lived process (the hook server, the HTTP endpoint) a session's log stays open between its calls instead of
 * being opened, signed and closed per call: each decision is still written and fsynced before its answer; the session's
 * signed checkpoint comes when it has been idle for `idleMs` (or the process closes its logs), as for the editor's log.
 */
interface OpenLog { log: ActionLog; policyHash: string; timer?: NodeJS.Timeout }
/** Agent sessions' tasks as last rebuilt, by state file (only while logs are kept open: a long-lived process). */
const tasksSeen = new Map<string, { policy: CompiledPolicy; task: Task }>();
let openLogs: { idleMs: number; logs: Map<string, OpenLog> } | undefined;

export function keepSessionLogsOpen(idleMs = 60_000): { closeAll(): void } {
  const pool = { idleMs, logs: new Map<string, OpenLog>() };
  openLogs = pool;
  return {
    closeAll() {
      for (const [file, o] of pool.logs) {
        clearTimeout(o.timer);
        pool.logs.delete(file);
        try { o.log.close(); } catch { /* closed already */ }
      }
      if (openLogs === pool) openLogs = undefined;
      tasksSeen.clear();
    },
  };
}

async function sessionLog(file: string, session: string, policyHash: string, header: Record<string, unknown>): Promise<{ log: ActionLog; done(): void }> {
  const pool = openLogs;
  if (!pool) {
    const log = await openLog(file, session, policyHash, header);
    return { log, done: () => log.close() };
  }
  let o = pool.logs.get(file);
  // A changed policy starts a new log session (its header names the policy that decided).
  if (o && o.policyHash !== policyHash) {
    clearTimeout(o.timer);
    pool.logs.delete(file);
    o.log.close();
    o = undefined;
  }
  if (!o) {
    o = { log: await openLog(file, session, policyHash, header), policyHash };
    // Another call of this session may have opened it meanwhile: keep one.
    const raced = pool.logs.get(file);
    if (raced && raced.policyHash === policyHash) { o.log.close(); o = raced; } else pool.logs.set(file, o);
  }
  const entry = o;
  clearTimeout(entry.timer);
  return {
    log: entry.log,
    done() {
      entry.log.sync();
      entry.timer = setTimeout(() => {
        if (pool.logs.get(file) === entry) pool.logs.delete(file);
        try { entry.log.close(); } catch { /* closed already */ }
      }, pool.idleMs);
      entry.timer.unref();
    },
  };
}

export async function decideLocally(call: HookCall, workspaceRoot: string, policy: CompiledPolicy, asSent: Mapped | undefined,
  now = Date.now()): Promise<HookAnswer & { logFile: string }> {
  // Agents send absolute paths: reasons and the log show them as the policy writes them (the same files, the same decisions).
  const where = { workspaceRoot: policy.workspaceRoot, homeDir: policy.homeDir, caseInsensitive: policy.matchers.caseInsensitive };
  const show = <A extends Action>(a: A): A => shownAction(where, a);
  const shownDir = (p: string) => shownPath(where.workspaceRoot, where.homeDir, p, where);
  const mapped = asSent && {
    ...asSent, whole: show(asSent.whole),
    items: asSent.items.map((i) => ({ ...i, action: show(i.action), ...(i.beneath !== undefined ? { beneath: shownDir(i.beneath) } : {}) })),
  };
  const dir = hookDir(workspaceRoot);
  const base = `${call.agent}-${safe(call.session)}`;
  const stateFile = path.join(dir, `${base}.state.json`);
  const logFile = path.join(dir, `${base}.jsonl`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { log, done } = await sessionLog(logFile, `${call.agent}:${call.session}`, policy.hash, { workspaceRoot, client: `airlock hook ${call.agent}`, agent: call.agent, agentSession: call.session });
  try {
    let state: SessionState | undefined;
    try {
      state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as SessionState;
    } catch {
      state = undefined;
    }
    const agent = { name: call.agent, session: call.session, tool: call.tool, ...(call.toolUseId ? { toolUseId: call.toolUseId } : {}) };
    const opts = agentTaskOptions(policy, `${call.agent} session ${call.session}`);
    let task: Task;
    if (!state) {
      task = startTask(policy, { id: `task-${crypto.randomUUID().slice(0, 8)}`, now, ...opts });
      state = { taskId: task.id, started: now, decisions: {} };
      log.append({ kind: 'task.start', task: task.id, data: { intent: task.intent, template: task.template ?? null, scope: 'scope' in opts ? opts.scope : null, started: task.started, expires: task.expires, agent } });
    } else {
      // The same task again (a long-lived process keeps it while the policy is the same); compiling its scope is not free.
      const memo = openLogs ? tasksSeen.get(stateFile) : undefined;
      task = memo && memo.policy === policy && memo.task.id === state.taskId && memo.task.started === state.started ? memo.task
        : startTask(policy, { id: state.taskId, now: state.started, ...opts });
      if (openLogs) {
        if (tasksSeen.size >= 1024) tasksSeen.clear();
        tasksSeen.set(stateFile, { policy, task });
      }
    }
    const save = () => {
      const tmp = `${stateFile}.${process.pid}`;
      fs.writeFileSync(tmp, JSON.stringify(state), { mode: 0o600 });
      fs.renameSync(tmp, stateFile);
    };

    // The kill switch (`airlock hooks kill`) or the end of the task: this call and every later one are denied, the agent stopped.
    const killed = killedAt(workspaceRoot) >= state.started;
    const expired = task.expires <= now;
    if (killed || expired) {
      const reason = killed ? `the Airlock kill switch stopped this ${call.agent} session (task ${task.id})` : `the Airlock task ${task.id} of this ${call.agent} session has ended (it expired)`;
      if (call.event === 'pre') {
        log.append({ kind: 'decision', task: task.id, action: mapped?.whole.kind ?? 'tool', target: mapped ? describeTarget(mapped.whole) : call.tool, verdict: 'deny', decidedBy: 'killswitch', rule: { layer: 'task' }, data: { allowed: false, reason, agent } });
      }
      return { verdict: 'deny', reason: `${reason}; start a new agent session to continue`, stop: reason, logFile };
    }

    if (call.event === 'post') {
      const d = call.toolUseId ? state.decisions[call.toolUseId] : undefined;
      const response = JSON.stringify(call.response ?? null) ?? 'null';
      log.append({
        kind: 'outcome', task: task.id, action: d?.kind ?? 'tool', target: d?.target ?? call.tool, ...(d ? { ref: d.seq } : {}),
        outcome: call.failed ? 'error' : 'done', digests: { response: `sha256:${crypto.hash('sha256', response, 'hex')}` }, data: { agent },
      });
      if (d && call.toolUseId) { delete state.decisions[call.toolUseId]; save(); }
      return { verdict: 'allow', reason: 'outcome logged', logFile };
    }

    const m = mapped!;
    const verdict = judgeCall(m, (a) => decide(policy, task, [], a, now));
    // Nobody here can answer an ask: the agent's own prompt asks the user, or, for agents that cannot ask, it is denied.
    const asked = verdict.verdict === 'ask';
    const final = asked && !canAsk(call.agent) ? 'deny' : verdict.verdict;
    const deciding = verdict.deniedBy?.decision ?? verdict.parts[0]?.decision;
    const seq = log.append({
      kind: 'decision', task: task.id, action: m.whole.kind, target: describeTarget(m.whole), verdict: verdict.verdict,
      rule: deciding?.rule ?? { layer: m.internal ? 'builtin' : 'default' }, decidedBy: 'policy',
      data: {
        allowed: final === 'allow', reason: verdict.reason, agent,
        ...(asked ? { askedVia: canAsk(call.agent) ? 'the agent\'s own prompt (no Airlock editor running)' : 'nobody: this agent cannot ask, so Airlock denied it' } : {}),
        parts: verdict.parts.map((p) => ({ action: p.action.kind, target: describeTarget(p.action), verdict: p.decision.verdict, exact: p.exact, rule: p.decision.rule })),
        ...(m.unresolved.length ? { unresolved: m.unresolved } : {}),
      },
    }).seq;
    if (call.toolUseId && final !== 'deny') {
      state.decisions[call.toolUseId] = { seq, kind: m.whole.kind, target: describeTarget(m.whole) };
      const keys = Object.keys(state.decisions);
      if (keys.length > 512) delete state.decisions[keys[0]!];
    }
    save();
    return { verdict: verdict.verdict, reason: verdict.reason, logFile };
  } finally {
    done();
  }
}

export const HOME = os.homedir();
