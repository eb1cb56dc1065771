// `airlock run` (scripted sessions with reporters) and `airlock replay` (decisions again under a changed policy).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatProblem, type AirlockProblem } from '../errors.js';
import { displaySafe } from '../protocol/display.js';
import { loadSessionFile, type Session } from '../session/format.js';
import { replay, formatReplay } from '../session/replay.js';
import { exitCodeOf, type SessionReport } from '../session/report.js';
import { createPrettyReporter } from '../session/reporters/pretty.js';
import { formatJsonReport } from '../session/reporters/json.js';
import { formatJunitReport } from '../session/reporters/junit.js';
import { defaultRunLogDir, runSession } from '../session/runner.js';

export const REPORTERS = ['pretty', 'json', 'junit'] as const;
export type ReporterName = (typeof REPORTERS)[number];

/** Where a command writes; the CLI passes the process streams, tests pass buffers. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  color: boolean;
}

export interface RunCommandOptions {
  reporter?: string;
  out?: string;
  logDir?: string;
  verify?: boolean;
  keepWorkspace?: boolean;
}

function processIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    color: process.stdout.isTTY === true && !process.env['NO_COLOR'],
  };
}

/** Session files from the arguments: files as given, folders as their *.json files, globs expanded (for shells that don't). */
export function expandSessionArgs(args: readonly string[], cwd: string): { files: string[]; problems: AirlockProblem[] } {
  const files: string[] = [];
  const problems: AirlockProblem[] = [];
  for (const arg of args) {
    const abs = path.resolve(cwd, arg);
    if (fs.existsSync(abs)) {
      if (fs.statSync(abs).isDirectory()) {
        const inside = fs.readdirSync(abs).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(arg, f));
        if (inside.length === 0) problems.push({ code: 'run.no-sessions', message: 'the folder holds no session files (*.json)', place: { file: arg } });
        files.push(...inside);
      } else {
        files.push(arg);
      }
      continue;
    }
    if (/[*?[\]{}]/.test(arg)) {
      const matches = fs.globSync(arg, { cwd }).filter((f) => f.endsWith('.json')).sort();
      if (matches.length === 0) problems.push({ code: 'run.no-sessions', message: 'no session file matches this pattern', place: { file: arg } });
      files.push(...matches);
      continue;
    }
    problems.push({ code: 'session.unreadable', message: 'cannot read the session file: no such file', place: { file: arg } });
  }
  return { files, problems };
}

/** `airlock run`: 0 when every expectation holds, 1 when one fails (or a log does not verify), 2 for bad input. */
export async function runCommand(args: readonly string[], opts: RunCommandOptions, io: CliIO = processIO()): Promise<number> {
  const reporter = (opts.reporter ?? 'pretty') as ReporterName;
  if (!REPORTERS.includes(reporter)) {
    io.stderr(`--reporter: unknown reporter ${JSON.stringify(opts.reporter)}; use one of ${REPORTERS.join(', ')}\n`);
    return 2;
  }
  const problems: AirlockProblem[] = [];
  const sessions: Session[] = [];
  for (const arg of args) {
    // Argument by argument, so problems are reported in the order the files were given.
    const expanded = expandSessionArgs([arg], io.cwd);
    problems.push(...expanded.problems);
    for (const file of expanded.files) {
      const parsed = loadSessionFile(path.resolve(io.cwd, file));
      if (parsed.ok) {
        const located = parsed.session.locate;
        sessions.push({ ...parsed.session, file, locate: (at) => ({ ...located(at), file }) });
      }
      else problems.push(...parsed.problems.map((p) => ({ ...p, place: { ...p.place, file } })));
    }
  }
  if (problems.length > 0) {
    for (const p of problems) io.stderr(`${formatProblem(p)}\n`);
    // CI still gets a report it can show: one session that could not start, with every problem in its error.
    if (reporter !== 'pretty' || opts.out !== undefined) {
      const bad: SessionReport = { name: 'airlock run', file: args.join(' '), ok: false, steps: [], problems, durationMs: 0 };
      writeReport(reporter, [bad], opts, io);
    }
    return 2;
  }

  // Progress is live on stdout unless stdout carries the machine-readable report itself.
  const live = reporter === 'pretty' || opts.out !== undefined;
  const pretty = createPrettyReporter({ write: live ? io.stdout : () => {}, color: io.color, cwd: io.cwd });
  const logDir = path.resolve(io.cwd, opts.logDir ?? defaultRunLogDir(io.cwd));
  const reports: SessionReport[] = [];
  for (const session of sessions) {
    pretty.sessionStart(session);
    const report = await runSession(session, {
      logDir, verify: opts.verify === true, keepWorkspace: opts.keepWorkspace === true, onStep: (step) => pretty.step(step),
    });
    pretty.sessionEnd(report);
    if (!live) for (const p of report.problems ?? []) io.stderr(`${formatProblem(p)}\n`);
    reports.push(report);
  }
  pretty.summary(reports);

  writeReport(reporter, reports, opts, io);
  return exitCodeOf(reports);
}

/** The machine-readable report: to --out (json when the reporter is pretty), else json/junit on stdout. */
function writeReport(reporter: ReporterName, reports: SessionReport[], opts: RunCommandOptions, io: CliIO): void {
  const text = reporter === 'json' ? formatJsonReport(reports) : reporter === 'junit' ? formatJunitReport(reports) : undefined;
  if (opts.out !== undefined) {
    const out = path.resolve(io.cwd, opts.out);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, text ?? formatJsonReport(reports));
    const shown = path.relative(io.cwd, out);
    io.stdout(`report: ${shown.startsWith('..') || path.isAbsolute(shown) ? out : shown}\n`);
  } else if (text !== undefined) {
    io.stdout(text);
  }
}

export interface ReplayCommandOptions { policy: string; json?: boolean; workspace?: string; failOnChange?: boolean }

/** `airlock replay`: 0 with a summary of changed decisions (1 with --fail-on-change when one changes), 2 for bad input. */
export async function replayCommand(source: string, opts: ReplayCommandOptions, io: CliIO = processIO()): Promise<number> {
  const result = await replay(path.resolve(io.cwd, source), {
    policyFile: opts.policy.startsWith('airlock:') ? opts.policy : path.resolve(io.cwd, opts.policy),
    ...(opts.workspace ? { workspaceRoot: path.resolve(io.cwd, opts.workspace) } : {}),
  });
  if (!result.ok) {
    for (const p of result.problems) io.stderr(`${formatProblem(p)}\n`);
    return 2;
  }
  const report = { ...result.report, source, policy: opts.policy };
  for (const w of report.warnings) io.stderr(`warning: ${displaySafe(w)}\n`);
  io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReplay(report));
  if (opts.failOnChange && report.changes > 0) {
    io.stderr(`--fail-on-change: ${report.changes} decision${report.changes === 1 ? '' : 's'} would change under ${opts.policy}\n`);
    return 1;
  }
  return 0;
}

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description('Run scripted agent sessions through the real pipeline and check their expectations.')
    .argument('<sessions...>', 'session files (.json), folders of them, or glob patterns')
    .option('--reporter <name>', `how to report: ${REPORTERS.join(' | ')}`, 'pretty')
    .option('--out <file>', 'write the report to a file (json when the reporter is pretty); progress still shows')
    .option('--log-dir <dir>', 'where the action logs go (default: ./.airlock-run/logs)')
    .option('--verify', 'verify each session\'s action log (hash chain, checkpoints) after it runs')
    .option('--keep-workspace', 'keep each session\'s temporary workspace copy and print its path')
    .action(async (sessions: string[], opts: RunCommandOptions) => {
      process.exitCode = await runCommand(sessions, opts);
    });

  program
    .command('replay')
    .description('Decide a session\'s steps or a log\'s actions again under a changed policy, without performing them.')
    .argument('<source>', 'a session file (.json) or an action log (.jsonl)')
    .requiredOption('--policy <file>', 'the changed policy (a file or a preset such as airlock:read-only)')
    .option('--workspace <dir>', 'for logs: the workspace the recorded paths are relative to (default: the current directory)')
    .option('--json', 'print the replay as JSON')
    .option('--fail-on-change', 'exit 1 when any decision changes (for CI on policy pull requests)')
    .action(async (source: string, opts: ReplayCommandOptions) => {
      process.exitCode = await replayCommand(source, opts);
    });
}
