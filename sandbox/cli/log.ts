// `airlock verify <log>` and `airlock log <file>`: check a log's chain and signatures, and read (or follow) its entries.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { AirlockError, formatProblem } from '../errors.js';
import type { LogEntry } from '../log/entry.js';
import { followLog, readLog } from '../log/reader.js';
import { describeReport, verifyLog } from '../log/verify.js';
import { describeSlice, verifySlice } from '../log/slice.js';
import {
  ACTION_FILTERS, DECISION_FILTERS, describeDecisionEntry, describeFilterProblem, LogView, OUTCOME_FILTERS, parseFilter,
  rowMatches, VERDICT_FILTERS, type LogRow, type LogViewFilter,
} from '../protocol/logView.js';
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

function verifySliceCommand(file: string, opts: { json?: boolean; keyDir?: string; against?: string }): number {
  let report;
  try {
    report = verifySlice(file, { ...(opts.against !== undefined ? { against: opts.against } : {}), ...(opts.keyDir !== undefined ? { keyDir: opts.keyDir } : {}) });
  } catch (e) {
    return fail(e);
  }
  if (opts.json) out(JSON.stringify(report, null, 2));
  else if (report.ok) out(describeSlice(report));
  else err(`${file}: ${describeSlice(report)}`);
  return report.ok ? EXIT_OK : EXIT_TAMPERED;
}

function verifyCommand(file: string, opts: { json?: boolean; keyDir?: string; key?: string[]; slice?: boolean; against?: string; head?: boolean }): number {
  if (opts.slice || opts.against !== undefined) return verifySliceCommand(file, opts);
  let report;
  try {
    // Without the head kept apart, a cut at a line boundary looks like a shorter intact log: fail unless told otherwise.
    report = verifyLog(file, {
      ...(opts.keyDir !== undefined ? { keyDir: opts.keyDir } : {}), ...(opts.key?.length ? { keyFiles: opts.key } : {}),
      head: opts.head === false ? 'optional' : 'required',
    });
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
  if (e.task !== undefined) parts.push(`[${e.task}]`);
  if (e.action !== undefined) parts.push(e.action);
  if (e.target !== undefined) parts.push(JSON.stringify(e.target));
  const decided = describeDecisionEntry(e);
  if (decided !== undefined) parts.push(`-> ${decided}`);
  if (e.outcome !== undefined) parts.push(`=> ${e.outcome}`);
  if (e.ref !== undefined) parts.push(`for #${e.ref}`);
  if (e.error !== undefined) parts.push(displaySafe(`${e.error.code}: ${e.error.message}`));
  if (e.durationMs !== undefined) parts.push(`${e.durationMs}ms`);
  return parts.join(' ');
}

type LogOptions = { follow?: boolean; task?: string; verdict?: string; decision?: string; action?: string; outcome?: string; text?: string; json?: boolean; keyDir?: string };

/**
 * Prints the entries of the actions that pass the filter. Filters on the final decision, the outcome or the text can
 * only tell once the action has its answer (or its outcome): its entries are held until then, and printed together.
 */
export function filteredPrinter(filter: LogViewFilter, print: (e: LogEntry) => void): { onEntry(e: LogEntry): void; flush(): void } {
  const view = new LogView();
  const hold = filter.decision !== undefined || filter.verdict !== undefined || filter.outcome !== undefined || !!filter.text;
  const held = new Map<LogRow, { entries: LogEntry[]; printed: boolean }>();
  return {
    onEntry(e) {
      const { row } = view.add(e);
      if (!hold) {
        if (rowMatches(row, filter)) print(e);
        return;
      }
      let st = held.get(row);
      if (!st) held.set(row, st = { entries: [], printed: false });
      if (st.printed) return print(e); // once an action is shown, its later entries (its outcome) follow
      st.entries.push(e);
      const ready = row.type === 'event' || (filter.outcome !== undefined ? row.outcome !== undefined : row.decision !== 'pending');
      if (ready && rowMatches(row, filter)) {
        st.printed = true;
        for (const x of st.entries) print(x);
        st.entries = [];
      } else if (row.complete) held.delete(row); // final and not matching: it never will
    },
    flush() {
      for (const [row, st] of held) {
        if (!st.printed && st.entries.length > 0 && rowMatches(row, filter)) for (const x of st.entries) print(x);
      }
      held.clear();
    },
  };
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

async function logCommand(file: string, opts: LogOptions): Promise<number> {
  const parsed = parseFilter({ task: opts.task, verdict: opts.verdict, decision: opts.decision, action: opts.action, outcome: opts.outcome, text: opts.text });
  if (!parsed.ok) {
    err(`airlock log: ${describeFilterProblem(parsed.problem)}`);
    return EXIT_BAD_INPUT;
  }
  warnIfUnverified(file, opts.keyDir);
  const printer = filteredPrinter(parsed.filter, (e: LogEntry) => (opts.json ? outJson(JSON.stringify(e)) : out(formatEntry(e))));
  try {
    if (!opts.follow) {
      for await (const e of readLog(file)) printer.onEntry(e);
      printer.flush();
      return EXIT_OK;
    }
    if (!fs.existsSync(file)) {
      // A log about to be created is worth waiting for; one in a folder that does not exist is a wrong path.
      if (!fs.existsSync(path.dirname(path.resolve(file)))) {
        return fail(new AirlockError({ code: 'log.unreadable', message: `No log at ${file}, and its folder does not exist either; check the path.`, place: { file } }));
      }
      err(`airlock log: ${file} does not exist yet; waiting for it to be created (Ctrl-C to stop).`);
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await followLog(file, {}, (e) => printer.onEntry(e), stop.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    printer.flush();
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
    .option('--key <file>', 'trust exactly this public key (PEM from `airlock keys export`); repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--slice', 'the file is an export of some lines of a log: check each line\'s hash and the chain between consecutive entries')
    .option('--against <log>', 'with --slice: the full log, which must verify and hold every exported line as it is')
    .option('--no-head', 'accept a log copied without its head file: truncation at the end then cannot be checked')
    .action((file: string, opts: { json?: boolean; keyDir?: string; key?: string[]; slice?: boolean; against?: string; head?: boolean }) => {
      process.exitCode = verifyCommand(file, opts);
    });
  program
    .command('log')
    .description('Print the entries of a log, filtered; --follow keeps printing new entries until interrupted.')
    .argument('<file>', 'the log file (.jsonl)')
    .option('--follow', 'keep printing entries as they are appended')
    .option('--task <id>', 'only entries of this task')
    .option('--decision <decision>', `only actions whose final decision is this (${DECISION_FILTERS.join(', ')})`)
    .option('--verdict <verdict>', `only actions finally allowed or denied, or asked about (${VERDICT_FILTERS.join(', ')}); deny includes what the user refused`)
    .option('--action <action>', `only actions of this kind (${ACTION_FILTERS.join(', ')})`)
    .option('--outcome <outcome>', `only actions with this outcome (${OUTCOME_FILTERS.join(', ')}; none: no outcome recorded)`)
    .option('--text <text>', 'only actions whose target, reason or error contains this text (case-insensitive)')
    .option('--json', 'one JSON entry per line')
    .option('--key-dir <dir>', 'trusted checkpoint keys, for the check that warns when the log does not verify')
    .action(async (file: string, opts: LogOptions) => {
      process.exitCode = await logCommand(file, opts);
    });
}
