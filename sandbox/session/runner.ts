// Architecture invariant: a session only drives the Enforcer, as an agent would; it never performs an action itself.
// Runs one scripted session: copy the workspace to a temp dir, load the policy, open a log, perform each step, check it.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AirlockError, type AirlockProblem } from '../errors.js';
import { ActionLog } from '../log/writer.js';
import { verifyLog } from '../log/verify.js';
import { redactString } from '../log/redact.js';
import { airlockProtectedPaths } from '../log/paths.js';
import { Enforcer } from '../pipeline/enforcer.js';
import { ScriptedPrompter } from '../pipeline/prompters/scripted.js';
import type { ActionRequest, ActionResult } from '../pipeline/types.js';
import { loadPolicy } from '../policy/load.js';
import { checkExpectation } from './expect.js';
import type { Session, SessionStep } from './format.js';
import type { SessionReport, StepReport, VerifyReport } from './report.js';

export interface RunOptions {
  /** Where the action logs go; created if missing. Must lie outside the workspace (it does: the workspace is a temp copy). */
  logDir: string;
  /** Keep the temp copy of the workspace after the run (its path is in the report). */
  keepWorkspace?: boolean;
  /** Check each log's hash chain after its session and put the result in the report. */
  verify?: boolean;
  /** Called as each step completes, for live progress. */
  onStep?: (step: StepReport, session: Session) => void;
  /** Environment for exec'd programs (the exec guard scrubs it). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for `~/` patterns and the baseline policy lookup. */
  homeDir?: string;
  /** Where the log's signing keys live (forwarded to the log writer and verifier). */
  keyDir?: string;
}

/** Default log folder of `airlock run`: stable, so testers find their logs (gitignored). */
export function defaultRunLogDir(cwd: string = process.cwd()): string {
  return path.join(cwd, '.airlock-run', 'logs');
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48) || 'session';
}

function stamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
}

/** The request a step stands for (script and kill steps are not requests). */
export function requestOfStep(step: SessionStep): ActionRequest | undefined {
  switch (step.action) {
    case 'fs.read': return { action: 'fs.read', path: step.path, ...(step.encoding ? { encoding: step.encoding } : {}) };
    case 'fs.write': return { action: 'fs.write', path: step.path, content: step.content, ...(step.encoding ? { encoding: step.encoding } : {}) };
    case 'fs.list': return { action: 'fs.list', path: step.path };
    case 'fs.stat': return { action: 'fs.stat', path: step.path };
    case 'fs.delete': return { action: 'fs.delete', path: step.path, ...(step.recursive !== undefined ? { recursive: step.recursive } : {}) };
    case 'fs.mkdir': return { action: 'fs.mkdir', path: step.path };
    case 'net.fetch': return {
      action: 'net.fetch', url: step.url,
      ...(step.method ? { method: step.method } : {}), ...(step.headers ? { headers: step.headers } : {}), ...(step.body !== undefined ? { body: step.body } : {}),
    };
    case 'exec': return {
      action: 'exec', argv: step.argv,
      ...(step.cwd ? { cwd: step.cwd } : {}), ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}), ...(step.input !== undefined ? { input: step.input } : {}),
    };
    case 'script':
    case 'kill':
      return undefined;
  }
}

/** Copies the session's workspace to a fresh temp dir (symlinks copied as links, never followed out of the workspace). */
export function copyWorkspace(from: string): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-run-')));
  fs.cpSync(from, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

function verifyReport(file: string, keyDir: string | undefined): VerifyReport {
  try {
    const v = verifyLog(file, keyDir ? { keyDir } : {});
    return { ok: v.ok, entries: v.entries, ...(v.problem ? { problem: `line ${v.problem.line}: ${v.problem.message}` } : {}) };
  } catch (err) {
    return { ok: false, entries: 0, problem: (err as Error).message };
  }
}

/** Runs one session to the end. Bad input (a policy that does not load, an unknown template) is a report with problems. */
export async function runSession(session: Session, opts: RunOptions): Promise<SessionReport> {
  const started = Date.now();
  const report: SessionReport = { name: session.name, file: session.file, ok: false, steps: [], durationMs: 0 };
  const workspace = copyWorkspace(session.workspaceDir);
  report.workspace = workspace;
  const fail = (problems: AirlockProblem[]): SessionReport => {
    report.problems = problems;
    report.durationMs = Date.now() - started;
    if (!opts.keepWorkspace) {
      fs.rmSync(workspace, { recursive: true, force: true });
      delete report.workspace;
    }
    return report;
  };

  const loaded = loadPolicy({
    workspaceRoot: workspace,
    ...(session.policy && 'file' in session.policy ? { file: session.policy.file } : {}),
    ...(session.policy && 'inline' in session.policy ? { inline: session.policy.inline, inlineName: `${path.basename(session.file)} policy` } : {}),
    ...(opts.homeDir ? { homeDir: opts.homeDir } : {}),
    // The agent may neither read nor tamper with the logs or their signing key, wherever the tester put them.
    protectedPaths: airlockProtectedPaths({ logDir: opts.logDir, keyDir: opts.keyDir }),
  });
  if (!loaded.ok) {
    // Problems inside the copied workspace are reported against the original folder, where the tester can fix them.
    return fail(loaded.problems.map((p) => relocate(p, workspace, session.workspaceDir, session)));
  }
  const policy = loaded.policy;

  fs.mkdirSync(opts.logDir, { recursive: true });
  const logFile = path.join(path.resolve(opts.logDir), `${slug(session.name)}-${stamp()}-${randomUUID().slice(0, 6)}.jsonl`);
  const sessionId = `run-${slug(session.name)}-${randomUUID().slice(0, 8)}`;
  const log = ActionLog.open({
    file: logFile, session: sessionId, policyHash: policy.hash, ...(opts.keyDir ? { keyDir: opts.keyDir } : {}),
    header: { runner: 'airlock run', sessionFile: path.resolve(session.file), sessionName: session.name, workspace: workspace },
  });
  report.log = logFile;
  const prompter = new ScriptedPrompter({
    approvals: session.approvals, workspaceRoot: policy.workspaceRoot, ...(opts.homeDir ? { homeDir: opts.homeDir } : {}),
  });
  const enforcer = new Enforcer({ policy, log, prompter, session: sessionId, ...(opts.env ? { env: opts.env } : {}) });
  try {
    let taskId: string;
    try {
      taskId = enforcer.startTask(session.task).id;
    } catch (err) {
      if (err instanceof AirlockError) {
        const at = session.task.template !== undefined && err.code.includes('template') ? ['task', 'template'] : ['task'];
        return fail([{ ...err.toProblem(), place: session.locate(at) }]);
      }
      throw err;
    }
    report.task = taskId;
    for (const [index, step] of session.steps.entries()) {
      const stepReport = await runStep(enforcer, prompter, taskId, step, index);
      report.steps.push(stepReport);
      opts.onStep?.(stepReport, session);
    }
  } finally {
    await enforcer.close();
    log.close();
  }
  report.ok = report.steps.every((s) => s.ok);
  if (opts.verify) {
    report.verify = verifyReport(logFile, opts.keyDir);
    if (!report.verify.ok) report.ok = false;
  }
  if (!opts.keepWorkspace) {
    fs.rmSync(workspace, { recursive: true, force: true });
    delete report.workspace;
  }
  report.durationMs = Date.now() - started;
  return report;
}

async function runStep(enforcer: Enforcer, prompter: ScriptedPrompter, taskId: string, step: SessionStep, index: number): Promise<StepReport> {
  const started = Date.now();
  const promptsBefore = prompter.prompts.length;
  let result: Pick<ActionResult, 'target' | 'outcome'> & Partial<ActionResult>;
  try {
    if (step.action === 'kill') {
      const killed = await enforcer.kill(taskId, step.reason ?? 'kill step of the session');
      result = { target: taskId, outcome: 'done', decidedBy: 'killswitch', result: { killed } };
    } else if (step.action === 'script') {
      result = await enforcer.runScript(taskId, step.code);
    } else {
      result = await enforcer.perform(taskId, requestOfStep(step)!);
    }
  } catch (err) {
    // The pipeline reports denials as results; an exception is a harness fault, reported as the step's error.
    const code = err instanceof AirlockError ? err.code : 'run.internal';
    result = { target: step.action, outcome: 'error', error: { code, message: err instanceof Error ? err.message : String(err) } };
  }
  const failures = checkExpectation(step.expect, result);
  const report: StepReport = {
    index, action: step.action, target: result.target, outcome: result.outcome, ok: failures.length === 0, failures,
    prompts: prompter.prompts.slice(promptsBefore), durationMs: Date.now() - started,
  };
  if (step.name !== undefined) report.name = step.name;
  if (result.verdict !== undefined) report.verdict = result.verdict;
  if (result.decidedBy !== undefined) report.decidedBy = result.decidedBy;
  if (result.rule !== undefined) report.rule = result.rule;
  if (result.reason !== undefined) report.reason = result.reason;
  if (result.error !== undefined) report.error = result.error;
  if (result.result !== undefined) report.result = result.result;
  if (result.logSeq !== undefined) report.logSeq = result.logSeq;
  // The report is shared like the log, so it carries console output only as redacted as the log does.
  if (result.console !== undefined) report.console = result.console.map((c) => ({ level: c.level, text: redactString(c.text) }));
  if (step.expect !== undefined) report.expect = step.expect;
  return report;
}

/** A problem located in the temp copy points back at the same file in the session's workspace folder. */
function relocate(p: AirlockProblem, copy: string, original: string, session: Session): AirlockProblem {
  const file = p.place?.file;
  if (file === undefined) return { ...p, place: { ...session.locate(['policy']), ...(p.place ?? {}) } };
  const abs = path.resolve(copy, file);
  const rel = path.relative(copy, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return p;
  return { ...p, place: { ...p.place, file: path.relative(process.cwd(), path.join(original, rel)) || '.' } };
}
