// `airlock verify <log>` and `airlock log <file>`: check a log's chain and signatures, and read (or follow) its entries.
import type { Command } from 'commander';
import { AirlockError, formatProblem } from '../errors.js';
import type { LogEntry } from '../log/entry.js';
import { followLog, readLog, type LogFilter } from '../log/reader.js';
import { describeReport, verifyLog } from '../log/verify.js';
import { displaySafe } from '../protocol/display.js';
import { err, out, outJson } from './print.js';

/** Exit codes: 0 intact, 1 the log fails verification, 2 bad input (no such file, bad options). */
const EXIT_OK = 0;
const EXIT_TAMPERED = 1;
const EXIT_BAD_INPUT = 2;


function fail(e: unknown): number {
  if (e instanceof AirlockError) err(formatProblem(e.toProblem()));
  else err(`airlock: ${(e as Error).message ?? String(e)}`);
  return EXIT_BAD_INPUT;
}

function verifyCommand(file: string, opts: { json?: boolean; keyDir?: string; head?: boolean }): number {
  let report;
  try {
    // Without the head kept apart, a cut at a line boundary looks like a shorter intact log: fail unless told otherwise.
    report = verifyLog(file, { ...(opts.keyDir !== undefined ? { keyDir: opts.keyDir } : {}), head: opts.head === false ? 'optional' : 'required' });
  } catch (e) {
    return fail(e);
  }
  if (opts.json) outJson(JSON.stringify(report, null, 2));
  else if (report.ok) out(describeReport(report));
  else err(`${file}: ${describeReport(report)}`);
  return report.ok ? EXIT_OK : EXIT_TAMPERED;
}

/**
 * One entry as a human reads it: `#seq time kind [task] action target -> verdict (by) outcome error durationMs`.
 * One line whatever the entry holds: every agent-chosen field goes through displaySafe (a path with `\r\n` and an
 * ANSI erase cannot forge a line; JSON quoting alone leaves C1 controls and bidi overrides raw).
 */
export function formatEntry(e: LogEntry): string {
  const parts = [`#${e.seq}`, e.ts, e.kind];
  if (e.task !== undefined) parts.push(`[${displaySafe(String(e.task))}]`);
  if (e.action !== undefined) parts.push(displaySafe(String(e.action)));
  if (e.target !== undefined) parts.push(displaySafe(JSON.stringify(e.target)));
  if (e.verdict !== undefined) parts.push(`-> ${e.verdict}${e.decidedBy ? ` (${e.decidedBy})` : ''}`);
  if (e.outcome !== undefined) parts.push(`=> ${e.outcome}`);
  if (e.ref !== undefined) parts.push(`for #${e.ref}`);
  if (e.error !== undefined) parts.push(displaySafe(`${e.error.code}: ${e.error.message}`));
  if (e.durationMs !== undefined) parts.push(`${e.durationMs}ms`);
  return parts.join(' ');
}

function filterOf(opts: { task?: string; verdict?: string; action?: string }): LogFilter {
  const filter: LogFilter = {};
  if (opts.task !== undefined) filter.task = opts.task;
  if (opts.verdict !== undefined) filter.verdict = opts.verdict;
  if (opts.action !== undefined) filter.action = opts.action;
  return filter;
}

/** Warns on stderr when the log does not verify (the entries are still printed, as they are). */
function warnIfUnverified(file: string, keyDir: string | undefined): void {
  let report;
  try {
    report = verifyLog(file, { ...(keyDir !== undefined ? { keyDir } : {}), head: 'required' });
  } catch {
    return; // unreadable: reading it fails below with the reason
  }
  if (!report.ok) err(`warning: ${file} does not verify (${describeReport(report)}); its entries are shown as they are, not as evidence`);
}

async function logCommand(file: string, opts: { follow?: boolean; task?: string; verdict?: string; action?: string; json?: boolean; keyDir?: string }): Promise<number> {
  const filter = filterOf(opts);
  warnIfUnverified(file, opts.keyDir);
  const print = (e: LogEntry) => (opts.json ? outJson(JSON.stringify(e)) : out(formatEntry(e)));
  try {
    if (!opts.follow) {
      for await (const e of readLog(file, filter)) print(e);
      return EXIT_OK;
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await followLog(file, filter, print, stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return EXIT_OK;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fail(new AirlockError({ code: 'log.unreadable', message: `No log at ${file}.`, place: { file } }));
    return fail(e);
  }
}

export function registerLogCommands(program: Command): void {
  program
    .command('verify')
    .description('Verify a log: every hash, the chain, seq order, checkpoint signatures and the head kept apart. Exit 0 intact, 1 not.')
    .argument('<log>', 'the log file (.jsonl)')
    .option('--json', 'print the full report as JSON')
    .option('--key-dir <dir>', 'trusted checkpoint keys (default: the state directory\'s airlock/keys)')
    .option('--no-head', 'accept a log copied without its head file: truncation at the end then cannot be checked')
    .action((file: string, opts: { json?: boolean; keyDir?: string; head?: boolean }) => {
      process.exitCode = verifyCommand(file, opts);
    });
  program
    .command('log')
    .description('Print the entries of a log, filtered; --follow keeps printing new entries until interrupted.')
    .argument('<file>', 'the log file (.jsonl)')
    .option('--follow', 'keep printing entries as they are appended')
    .option('--task <id>', 'only entries of this task')
    .option('--verdict <verdict>', 'only entries with this verdict (allow, ask, deny)')
    .option('--action <action>', 'only entries of this action (e.g. fs.write)')
    .option('--json', 'one JSON entry per line')
    .option('--key-dir <dir>', 'trusted checkpoint keys, for the check that warns when the log does not verify')
    .action(async (file: string, opts: { follow?: boolean; task?: string; verdict?: string; action?: string; json?: boolean; keyDir?: string }) => {
      process.exitCode = await logCommand(file, opts);
    });
}
