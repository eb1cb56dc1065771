// Architecture invariant: the host serves the protocol and nothing else; every action it runs goes through the Enforcer.
// One host process serves one client session over stdio. Transport loss denies everything pending and exits.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createMessageConnection, ErrorCodes, ResponseError, type StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import * as P from '../protocol/protocol.js';
import { loadPolicy, userBaselineFile } from '../policy/load.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { ActionLog, defaultLogDir } from '../log/writer.js';
import { airlockProtectedPaths, defaultKeyDir, sessionLogFile } from '../log/paths.js';
import { readLog, type LogFilter } from '../log/reader.js';
import { readWholeLines } from '../log/tail.js';
import { verifyLogFrom, type VerifyState } from '../log/verify.js';
import type { LogEntry } from '../log/entry.js';
import { Enforcer } from '../pipeline/enforcer.js';
import { denyAllPrompter } from '../pipeline/prompters/denyAll.js';
import type { AirlockProblem } from '../errors.js';
import { clientPrompter } from './clientPrompter.js';
import { explain, RoutedPrompter, runSessionFile, templates } from './editorRequests.js';
import { callToolInTask, checkToolCall, previewToolInTask } from '../tools/inTask.js';
import { applyConfirmed, previewInstall, settingsFile } from '../hooks/install.js';
import { hookEntryBeside, launcherPath, refreshLauncher, writeLauncher } from '../hooks/launcher.js';
import { startGateway, type Gateway } from '../gateway/server.js';
import { gatewayFiles } from '../gateway/paths.js';
import { ABSURD_LENGTH_FACTOR, GuardedMessageReader, type FramingProblem } from './framing.js';
import { GatedMessageWriter, ResponseGate } from './responses.js';

export interface HostOptions {
  input: Readable;
  output: Writable;
  /** Where keys live (default: the log module's default key dir). */
  keyDir?: string;
  /** Environment exec'd programs start from (scrubbed by the exec guard). */
  env?: NodeJS.ProcessEnv;
}

interface Session {
  id: string;
  workspaceRoot: string;
  logDir: string;
  policyFile: string | undefined;
  /** The baseline the workspace policy narrows, for every load of this session. */
  baselineFile: string | undefined;
  log: ActionLog;
  enforcer: Enforcer | null;
  policy: CompiledPolicy | null;
  prompter: 'client' | 'deny-all';
  /** Session files' scripted approvals answer their own tasks first; everything else goes to the client. */
  router?: RoutedPrompter;
  unfollow?: () => void;
  gateway?: Gateway;
}

/** Serves one client until shutdown (resolves HOST_EXIT.ok) or transport loss (HOST_EXIT.transportLost). */
export function serveHost(opts: HostOptions): Promise<number> {
  // Agents connected through the launcher now start this Airlock's hook (after an update of the extension, say).
  const hookEntry = hookEntryBeside(import.meta.url);
  try {
    if (hookEntry && process.platform !== 'win32') refreshLauncher(process.execPath, hookEntry);
  } catch (err) {
    process.stderr.write(`airlock host: could not update the hook launcher ${launcherPath()}: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  /** The command agents run: the launcher (written when `write`), quoted for the agent's shell. */
  const launcherCommand = (write: boolean, scope: 'project' | 'user'): string => {
    if (process.platform === 'win32') throw new ResponseError(ErrorCodes.InvalidParams, 'the hook launcher is POSIX only: pass the hook command');
    if (!hookEntry) throw new ResponseError(ErrorCodes.InvalidParams, 'this Airlock has no hook bundle beside it (dist/hook.js): run `npm run build`, or pass the hook command');
    const file = write ? writeLauncher(process.execPath, hookEntry) : launcherPath();
    // In a project's settings (committed, shared) it is written `"$HOME/…"` under the home folder, so they run on every
    // teammate's machine; in your own settings the absolute path, which an agent that changes HOME cannot send astray.
    const home = `${os.homedir()}/`;
    const rest = scope === 'project' && file.startsWith(home) ? file.slice(home.length) : undefined;
    if (rest !== undefined && /^[A-Za-z0-9_./@%+=-]+$/.test(rest)) return `"$HOME/${rest}"`;
    return /^[A-Za-z0-9_./:@%+=-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  };
  const gate = new ResponseGate();
  const writer = new GatedMessageWriter(opts.output, gate);
  const reader = new GuardedMessageReader(opts.input, P.MAX_MESSAGE_BYTES, (problem) => {
    if (problem.kind === 'unexpected-response') return refuseResponse(problem);
    return answerFramingProblem(writer, problem);
  }, gate);
  const connection = createMessageConnection(reader, writer);
  let session: Session | null = null;
  /** A response the host did not ask for is refused: logged (evidence of a confused or hostile client), never acted on. */
  const refuseResponse = (problem: Extract<FramingProblem, { kind: 'unexpected-response' }>): void => {
    const why = problem.repeated
      ? `a second answer to request ${JSON.stringify(problem.id)}: the first answer is final`
      : `an answer to request ${JSON.stringify(problem.id)}, which the harness never sent or no longer waits for`;
    process.stderr.write(`airlock host: refused ${why}\n`);
    try {
      session?.log.append({ kind: 'protocol', error: { code: problem.repeated ? 'protocol.repeated-answer' : 'protocol.unknown-answer', message: `Airlock refused ${why}` }, data: { id: problem.id } });
    } catch {
      // The log is closed (after shutdown): stderr still says it.
    }
  };
  let finished = false;
  /** The panel's watches (one per log file) and the last intact verification of each log, to continue from. */
  const watches = new Map<string, () => void>();
  const verified = new Map<string, VerifyState>();

  return new Promise<number>((resolve) => {
    let cleaned: Promise<void> | null = null;
    let shutDown = false;
    /** Ends every task (denying whatever is pending) and closes the log; runs once. */
    /** A requested shutdown ends tasks ("ended"); a lost transport or a fatal error pulls the kill switch ("killed"). */
    const cleanUp = (reason: string, how: 'end' | 'kill' = 'kill'): Promise<void> => {
      cleaned ??= (async () => {
        for (const stop of watches.values()) stop();
        watches.clear();
        if (!session) return;
        session.unfollow?.();
        await session.gateway?.close().catch(() => undefined);
        if (how === 'kill') await session.enforcer?.kill('all', reason);
        await session.enforcer?.close(reason);
        session.log.close();
      })();
      return cleaned;
    };
    const finish = async (code: number, reason: string) => {
      if (finished) return;
      finished = true;
      await cleanUp(reason);
      connection.dispose();
      resolve(code);
    };

    const requireSession = (): Session => {
      if (!session) throw new ResponseError(P.ERROR_CODES.notInitialized, 'the harness is not initialized: send initialize first');
      return session;
    };
    const requireEnforcer = (): Enforcer => {
      const s = requireSession();
      if (!s.enforcer) {
        throw new ResponseError(P.ERROR_CODES.policyInvalid, 'the policy failed to load, so Airlock denies everything: fix the policy file and send policy/load');
      }
      return s.enforcer;
    };

    /** Registers a request handler that validates its params with zod before anything else runs. */
    function handle<S extends z.ZodType, R>(type: { method: string }, schema: S | null, fn: (params: z.output<S>) => Promise<R> | R): void {
      connection.onRequest(type.method, async (raw: unknown) => {
        let params: z.output<S> = undefined as z.output<S>;
        if (schema) {
          const parsed = schema.safeParse(raw ?? {});
          if (!parsed.success) throw new ResponseError(ErrorCodes.InvalidParams, P.describeInvalid(type.method, parsed.error));
          params = parsed.data;
        }
        try {
          return await fn(params);
        } catch (err) {
          if (err instanceof ResponseError) throw err;
          const code = (err as { code?: unknown }).code;
          throw new ResponseError(code === 'task.unknown-template' || code === 'task.invalid' ? ErrorCodes.InvalidParams : ErrorCodes.InternalError,
            err instanceof Error ? err.message : String(err));
        }
      });
    }

    const load = (s: Session, file: string | undefined): { policy: CompiledPolicy | null; problems: AirlockProblem[] } => {
      const result = loadPolicy({
        // The log and the key that signs its checkpoints: the agent may neither read nor change either.
        workspaceRoot: s.workspaceRoot, ...(file ? { file } : {}), ...(s.baselineFile ? { baselineFile: s.baselineFile } : {}),
        protectedPaths: [...airlockProtectedPaths({ logDir: s.logDir, keyDir: opts.keyDir }), gatewayFiles(s.workspaceRoot).dir],
      });
      const problems = result.ok ? result.warnings : result.problems;
      connection.sendNotification(P.policyDiagnostics, { file: file ?? '.airlock/policy.json', problems }).catch(() => undefined);
      return { policy: result.ok ? result.policy : null, problems };
    };

    handle(P.initialize, P.InitializeParams, async (params) => {
      if (params.protocolVersion !== P.PROTOCOL_VERSION) {
        const side = params.protocolVersion < P.PROTOCOL_VERSION ? 'the client (the Airlock extension)' : 'the harness (the airlock package)';
        throw new ResponseError(P.ERROR_CODES.protocolVersion,
          `protocol version mismatch: the client speaks ${params.protocolVersion}, the harness speaks ${P.PROTOCOL_VERSION}; update ${side}`);
      }
      if (session) throw new ResponseError(ErrorCodes.InvalidRequest, 'initialize was already sent for this session');
      const workspaceRoot = fs.realpathSync(path.resolve(params.workspaceRoot));
      const logDir = path.resolve(params.logDir ?? defaultLogDir(workspaceRoot));
      fs.mkdirSync(logDir, { recursive: true, mode: 0o700 });
      const id = randomUUID();
      const logFile = sessionLogFile(logDir, id.slice(0, 8));
      const baselineFile = params.baselinePolicyFile === 'none' ? undefined : params.baselinePolicyFile ?? userBaselineFile();
      const draft = { id, workspaceRoot, logDir, policyFile: params.policyFile, baselineFile, prompter: params.prompter };
      const { policy, problems } = load({ ...draft } as Session, params.policyFile);
      const log = ActionLog.open({
        file: logFile, session: id, policyHash: policy?.hash ?? 'none: the policy failed to load',
        ...(opts.keyDir ? { keyDir: opts.keyDir } : {}),
        header: { workspaceRoot, client: params.clientName },
      });
      session = { ...draft, log, policy, enforcer: null };
      if (policy) session.enforcer = makeEnforcer(session, policy);
      else log.append({ kind: 'policy.load', error: { code: 'policy.invalid', message: problems.map((p) => p.message).join('; ') }, data: { loaded: false } });
      log.onAppend((e) => {
        if (e.kind === 'task.end') {
          const reason = String((e.data as { reason?: unknown } | undefined)?.reason ?? 'ended');
          const status = reason === 'killed' ? 'killed' : reason === 'expired' ? 'expired' : 'ended';
          connection.sendNotification(P.taskStatus, { taskId: e.task ?? '', status, reason }).catch(() => undefined);
        }
      });
      let gatewaySocket: string | undefined;
      if (params.prompter === 'client' && params.gateway !== false) {
        const s = session;
        const prompter = clientPrompter(connection);
        try {
          s.gateway = await startGateway({
            workspaceRoot, session: id, log,
            enforcer: () => s.enforcer, policy: () => s.policy,
            askEditor: (request, signal) => prompter.ask(request, signal),
            taskStarted: (taskId) => { connection.sendNotification(P.taskStatus, { taskId, status: 'started' }).catch(() => undefined); },
          });
          gatewaySocket = s.gateway.files.socket;
        } catch (err) {
          // Without the gateway, agent hooks decide on their own (and cannot ask here): a problem, not a failure.
          problems.push({ code: 'gateway.failed', severity: 'warning', message: `the agent gateway did not start: ${err instanceof Error ? err.message : String(err)}` });
        }
      }
      return {
        protocolVersion: P.PROTOCOL_VERSION, session: id, logFile, ...(gatewaySocket ? { gateway: gatewaySocket } : {}),
        policy: policy ? { file: params.policyFile ?? '.airlock/policy.json', hash: policy.hash, warnings: problems } : null,
        problems,
      };
    });

    const makeEnforcer = (s: Session, policy: CompiledPolicy) => new Enforcer({
      policy, log: s.log, session: s.id,
      prompter: (s.router ??= new RoutedPrompter(s.prompter === 'client' ? clientPrompter(connection) : denyAllPrompter)),
      ...(opts.env ? { env: opts.env } : {}),
    });

    handle(P.policyLoad, P.PolicyLoadParams, (params): P.PolicyLoadResult => {
      const s = requireSession();
      const file = params.file ?? s.policyFile;
      const { policy, problems } = load(s, file);
      if (!policy) {
        s.log.append({ kind: 'policy.load', error: { code: 'policy.invalid', message: problems.map((p) => p.message).join('; ') }, data: { loaded: false, kept: s.policy?.hash ?? null } });
        return { ok: false, problems };
      }
      s.policy = policy;
      s.policyFile = file;
      if (s.enforcer) s.enforcer.reloadPolicy(policy);
      else {
        s.enforcer = makeEnforcer(s, policy);
        s.log.append({ kind: 'policy.load', data: { policyHash: policy.hash } });
      }
      return { ok: true, policy: { file: file ?? '.airlock/policy.json', hash: policy.hash, warnings: problems } };
    });

    handle(P.taskStart, P.TaskStartParams, (params) => {
      const task = requireEnforcer().startTask(params);
      connection.sendNotification(P.taskStatus, { taskId: task.id, status: 'started' }).catch(() => undefined);
      return taskInfo(task);
    });
    handle(P.taskEnd, P.TaskRef, ({ taskId }) => {
      const e = requireEnforcer();
      const exists = e.listTasks().some((t) => t.id === taskId);
      e.endTask(taskId, 'ended');
      return { ended: exists };
    });
    handle(P.taskList, null, () => (requireSession().enforcer?.listTasks() ?? []).map(taskInfo));
    handle(P.grantList, P.GrantListParams, ({ taskId }) => requireEnforcer().listGrants(taskId).map((g) => ({ ...g })));
    handle(P.grantRevoke, P.GrantRevokeParams, ({ grantId }) => ({ revoked: requireEnforcer().revokeGrant(grantId) }));
    handle(P.actionRun, P.ActionRunParams, ({ taskId, request }) => requireEnforcer().perform(taskId, request));
    handle(P.scriptRun, P.ScriptRunParams, ({ taskId, code }) => requireEnforcer().runScript(taskId, code));
    // Airlock's agent tools, for the editor's language-model tools: the same tools as `airlock mcp`, in the client's task.
    const checkedTool = (name: string, args: unknown) => {
      const checked = checkToolCall(name, args);
      if (!checked.ok) throw new ResponseError(ErrorCodes.InvalidParams, checked.message);
      return checked;
    };
    handle(P.toolCall, P.ToolCallParams, ({ taskId, name, arguments: args }) => callToolInTask(requireEnforcer(), taskId, checkedTool(name, args)));
    handle(P.toolPreview, P.ToolCallParams, ({ taskId, name, arguments: args }) => previewToolInTask(requireEnforcer(), taskId, checkedTool(name, args)));
    handle(P.kill, P.KillParams, async ({ target, reason }) => ({ killed: await requireEnforcer().kill(target, reason ?? 'kill switch') }));
    handle(P.policyExplain, P.PolicyExplainParams, (params) => explain(requireEnforcer(), params));
    handle(P.policyTemplates, null, () => templates(requireEnforcer()));
    handle(P.sessionRun, P.SessionRunParams, ({ file }) => {
      const s = requireSession();
      return runSessionFile(requireEnforcer(), s.router!, s.workspaceRoot, file,
        (taskId) => connection.sendNotification(P.taskStatus, { taskId, status: 'started' }).catch(() => undefined));
    });
    handle(P.logRead, P.LogReadParams, async ({ filter, limit }) => {
      const s = requireSession();
      const out: LogEntry[] = [];
      for await (const e of readLog(s.log.file, toLogFilter(filter))) {
        out.push(e);
        if (limit && out.length >= limit) break;
      }
      return out;
    });
    handle(P.logFollow, P.LogFollowParams, ({ filter }) => {
      const s = requireSession();
      s.unfollow?.();
      const f = toLogFilter(filter);
      s.unfollow = s.log.onAppend((e) => {
        if (matches(e, f)) connection.sendNotification(P.logEntry, e).catch(() => undefined);
      });
      return { following: true as const };
    });
    handle(P.logUnfollow, null, () => {
      requireSession().unfollow?.();
      return { following: false as const };
    });
    /** A log the panel names: this session's by default; else an existing regular .jsonl file, by its real path. */
    const logFileOf = (s: Session, file: string | undefined): string => {
      if (file === undefined) return s.log.file;
      let real: string;
      try {
        real = fs.realpathSync(file);
      } catch {
        throw new ResponseError(ErrorCodes.InvalidParams, `there is no log at ${file}`);
      }
      if (!real.endsWith('.jsonl') || !fs.statSync(real).isFile()) throw new ResponseError(ErrorCodes.InvalidParams, `${file} is not a .jsonl log file`);
      return real;
    };
    handle(P.logList, null, (): P.LogFileInfo[] => {
      const s = requireSession();
      let names: string[] = [];
      try {
        names = fs.readdirSync(s.logDir).filter((n) => n.endsWith('.jsonl'));
      } catch {
        names = [];
      }
      const infos = names.flatMap((name) => {
        const file = path.join(s.logDir, name);
        try {
          const st = fs.statSync(file);
          return st.isFile() ? [{ file, name, bytes: st.size, modified: st.mtime.toISOString(), live: file === s.log.file, mtime: st.mtimeMs }] : [];
        } catch {
          return [];
        }
      });
      infos.sort((a, b) => b.mtime - a.mtime || (a.name < b.name ? 1 : -1));
      return infos.map(({ mtime: _m, ...info }) => info);
    });
    handle(P.logLines, P.LogLinesParams, ({ file, offset, maxBytes }): P.LogLinesResult => {
      const f = logFileOf(requireSession(), file);
      const r = readWholeLines(f, offset, maxBytes);
      return { file: f, offset, nextOffset: r.nextOffset, size: r.size, lines: r.lines, end: r.nextOffset >= r.size };
    });
    handle(P.logWatch, P.LogWatchParams, ({ file, offset }) => {
      const s = requireSession();
      const f = logFileOf(s, file);
      watches.get(f)?.();
      let at = offset;
      let scheduled = false;
      const flush = () => {
        scheduled = false;
        if (!watches.has(f)) return;
        try {
          const r = readWholeLines(f, at, P.MAX_LOG_PAGE_BYTES);
          if (r.lines.length === 0) return;
          const batch: P.LogAppended = { file: f, offset: at, nextOffset: r.nextOffset, lines: r.lines };
          at = r.nextOffset;
          connection.sendNotification(P.logAppended, batch).catch(() => undefined);
          if (r.nextOffset < r.size) schedule();
        } catch {
          // the file went away: the next poll tries again; verification reports what happened to it
        }
      };
      const schedule = () => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(flush);
      };
      // This session's log tells us when it grew; any other log (another harness, `airlock run`) is polled.
      const unsubscribe = f === s.log.file ? s.log.onAppend(schedule) : undefined;
      const poll = setInterval(schedule, 250);
      poll.unref();
      watches.set(f, () => {
        unsubscribe?.();
        clearInterval(poll);
      });
      schedule();
      return { watching: true as const, file: f };
    });
    handle(P.logUnwatch, P.LogUnwatchParams, ({ file }) => {
      const f = logFileOf(requireSession(), file);
      watches.get(f)?.();
      watches.delete(f);
      return { watching: false as const };
    });
    // Connecting agents: the harness reads and edits their settings files; the client only previews and confirms.
    handle(P.hooksPlan, P.HooksPlanParams, ({ agents, scope, command }) => {
      const s = requireSession();
      const run = command ?? launcherCommand(false, scope);
      return { plans: agents.map((agent) => previewInstall({ agent, scope, command: run, workspaceRoot: s.workspaceRoot, homeDir: os.homedir() })) };
    });
    handle(P.hooksApply, P.HooksApplyParams, ({ agents, scope, command: given, confirmed }) => {
      const s = requireSession();
      const command = given ?? launcherCommand(true, scope);
      return {
        applied: agents.map((agent) => {
          const diff = confirmed.find((c) => c.agent === agent)?.diff;
          const opts = { agent, scope, command, workspaceRoot: s.workspaceRoot, homeDir: os.homedir() };
          return diff === undefined
            ? { agent, file: settingsFile(agent, scope, s.workspaceRoot, os.homedir()), written: false, reason: 'not confirmed: preview it and confirm the edit' }
            : applyConfirmed(opts, diff);
        }),
      };
    });
    handle(P.logVerify, P.LogVerifyParams, ({ file, mode }): P.LogVerifyResult => {
      const s = requireSession();
      const f = logFileOf(s, file);
      const live = f === s.log.file;
      const resume = mode === 'incremental' ? verified.get(f) : undefined;
      let run;
      try {
        run = verifyLogFrom(f, { keyDir: opts.keyDir ?? defaultKeyDir(), live, ...(resume ? { resume } : {}) });
      } catch (err) {
        throw new ResponseError(ErrorCodes.InvalidParams, err instanceof Error ? err.message : String(err));
      }
      const { report, state, from } = run;
      if (state) verified.set(f, state);
      else verified.delete(f);
      return {
        file: f, mode: from > 1 ? 'incremental' : 'full', ok: report.ok, from, verifiedUpTo: report.entries,
        ...(report.lastCheckpoint ? { lastCheckpoint: report.lastCheckpoint } : {}),
        ...(report.problem ? { problem: report.problem } : {}),
        headMissing: report.headMissing === true, live,
      };
    });
    handle(P.shutdown, null, async () => {
      const logFile = session ? session.log.file : null;
      await cleanUp('shutdown', 'end');
      shutDown = true;
      return { logFile };
    });
    connection.onNotification(P.exit, () => void finish(shutDown ? P.HOST_EXIT.ok : P.HOST_EXIT.transportLost, 'exit without shutdown'));

    connection.onClose(() => void finish(shutDown ? P.HOST_EXIT.ok : P.HOST_EXIT.transportLost, 'the connection to the client was lost'));
    connection.onError(() => { /* framing problems are answered by the reader; a broken stream ends in onClose */ });
    connection.listen();
  });
}

function taskInfo(t: { id: string; intent: string; template?: string; started: number; expires: number }): P.TaskInfo {
  return { id: t.id, intent: t.intent, ...(t.template ? { template: t.template } : {}), started: t.started, expires: t.expires };
}

function toLogFilter(f: z.output<typeof P.LogFilterParams> | undefined): LogFilter {
  return {
    ...(f?.task ? { task: f.task } : {}), ...(f?.verdict ? { verdict: f.verdict } : {}), ...(f?.action ? { action: f.action } : {}),
    ...(f?.since ? { since: new Date(f.since) } : {}), ...(f?.until ? { until: new Date(f.until) } : {}),
  };
}

function matches(e: LogEntry, f: LogFilter): boolean {
  if (f.task && e.task !== f.task) return false;
  if (f.verdict && e.verdict !== f.verdict) return false;
  if (f.action && e.action !== f.action) return false;
  return true;
}

function answerFramingProblem(writer: StreamMessageWriter, problem: FramingProblem): Promise<void> {
  const error = (() => {
    switch (problem.kind) {
      case 'too-large': return { code: P.ERROR_CODES.messageTooLarge, message: `message of ${problem.bytes} bytes exceeds the ${P.MAX_MESSAGE_BYTES}-byte limit; it was skipped` };
      case 'bad-header': return { code: ErrorCodes.ParseError, message: `malformed header ${JSON.stringify(problem.header)}: expected "Content-Length: <n>\\r\\n\\r\\n"` };
      case 'bad-json': return { code: ErrorCodes.ParseError, message: `message is not valid JSON: ${problem.message}` };
      case 'not-json-rpc': return { code: ErrorCodes.InvalidRequest, message: 'message is not a JSON-RPC 2.0 request, notification or response' };
      case 'absurd-length': return {
        code: P.ERROR_CODES.messageTooLarge,
        message: `a Content-Length of ${problem.bytes} bytes is beyond anything a client sends (more than ${ABSURD_LENGTH_FACTOR} × the ${P.MAX_MESSAGE_BYTES}-byte limit): the framing is broken, so the harness closes the transport`,
      };
      case 'unexpected-response': return { code: ErrorCodes.InvalidRequest, message: 'unexpected response' };
    }
  })();
  return writer.write({ jsonrpc: '2.0', id: problem.kind === 'not-json-rpc' ? problem.id : null, error } as never).catch(() => undefined);
}
