// The log view over real logs: the final decision of each action, its linked entries, outcomes, filters and CSV.
import assert from 'node:assert/strict';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import type { LogEntry } from '../../sandbox/log/entry.js';
import {
  csvField, csvRow, DECISION_FILTERS, LogView, parseFilter, rowMatches, rowView, type LogEntryMessage, type LogRow,
} from '../../sandbox/protocol/logView.js';
import { entriesOf, exampleLogs } from '../support/exampleLogs.js';
import { tempDir } from '../log/helpers.js';

// The entries the log writes are the entries the view reads.
const _sameShape = (e: LogEntry): LogEntryMessage => e;
void _sameShape;

function fold(file: string): LogView {
  const view = new LogView();
  for (const { entry } of entriesOf(file)) view.add(entry as LogEntryMessage);
  return view;
}
const actions = (view: LogView): LogRow[] => view.rows.filter((r) => r.type === 'action');

describe('log view', function () {
  this.timeout(60_000);

  it('a user approval and a user refusal are told apart, with the approval, grant and outcome linked', async () => {
    const logs = await exampleLogs();
    const approved = actions(fold(logs.byName('ask-then-approved')));
    const [once, task, byGrant, read] = approved;
    assert.equal(once?.decision, 'allowed-by-user');
    assert.equal(once?.approval?.answer, 'allow-once');
    assert.equal(once?.approval?.grant?.scope, 'once');
    assert.equal(once?.outcome, 'done');
    assert.deepEqual(once?.seqs, [3, 4, 5, 6]);
    assert.equal(once?.pendingSeq, 3);
    assert.equal(once?.decisionSeq, 5);
    assert.equal(once?.outcomeSeq, 6);
    assert.equal(task?.approval?.answer, 'allow-task');
    assert.equal(task?.approval?.grant?.target, 'docs/**');
    assert.equal(byGrant?.decision, 'allowed-by-grant');
    assert.equal(read?.decision, 'allowed-by-policy');
    assert.equal(read?.rule?.jsonPath, 'tasks.fix-tests.scope.fs.read.allow[0]');
    assert.equal(read?.rule?.line, 21);

    const denied = actions(fold(logs.byName('ask-then-denied')));
    assert.deepEqual(denied.map((r) => r.decision), ['denied-by-user', 'denied-by-user', 'denied-by-policy', 'allowed-by-policy']);
    assert.equal(denied[0]?.approval?.answer, 'deny');
    assert.equal(denied[0]?.outcome, 'denied');
    assert.equal(denied[2]?.approval?.answer, 'the prompt failed');
  });

  it('scripts, kill switch events and actions after a kill', async () => {
    const logs = await exampleLogs();
    const view = fold(logs.byName('a-runaway'));
    const rows = view.rows;
    const script = rows.find((r) => r.action === 'script');
    assert.equal(script?.decision, 'allowed-by-policy');
    assert.equal(script?.outcome, 'error');
    assert.equal(script?.error?.code, 'script.cpu-limit');
    assert.equal(script?.durationMs !== undefined && script.durationMs >= 1000, true);
    const kill = rows.find((r) => r.action === 'kill');
    assert.equal(kill?.type, 'event');
    const after = rows.filter((r) => r.action === 'fs.read').at(-1);
    assert.equal(after?.decision, 'denied-by-policy');
    assert.equal(after?.outcome, undefined);
    assert.equal(rowView(after as LogRow).outcome, 'running');
  });

  it('timeouts, the kill switch while asking, and a derived check that denies', () => {
    const dir = tempDir();
    const log = ActionLog.open({ file: path.join(dir, 'l.jsonl'), session: 's', policyHash: 'a'.repeat(64), keyDir: path.join(dir, 'keys') });
    const ask = (target: string) => log.append({ kind: 'decision', task: 't', action: 'fs.write', target, verdict: 'ask', decidedBy: 'policy', rule: { layer: 'default' }, data: { allowed: false, pending: true, reason: 'no rule' } }).seq;
    const a = ask('a.txt');
    log.append({ kind: 'decision', task: 't', action: 'fs.write', target: 'a.txt', verdict: 'ask', decidedBy: 'timeout', rule: { layer: 'default' }, data: { allowed: false, askedIn: a, reason: 'no answer' } });
    const b = ask('b.txt');
    log.append({ kind: 'decision', task: 't', action: 'fs.write', target: 'b.txt', verdict: 'ask', decidedBy: 'killswitch', rule: { layer: 'default' }, data: { allowed: false, askedIn: b, reason: 'killed' } });
    const c = log.append({ kind: 'decision', task: 't', action: 'fs.read', target: 'link', verdict: 'allow', decidedBy: 'policy', rule: { layer: 'workspace', file: '.airlock/policy.json', line: 3 }, data: { allowed: true, reason: 'ok' } }).seq;
    log.append({ kind: 'decision', task: 't', action: 'fs.read', target: '/etc/shadow', verdict: 'deny', decidedBy: 'policy', rule: { layer: 'builtin' }, data: { allowed: false, derivedFrom: c, reason: 'outside' } });
    log.append({ kind: 'outcome', task: 't', action: 'fs.read', target: 'link', ref: c, outcome: 'denied', durationMs: 1, error: { code: 'denied', message: 'Airlock denied fs.read "/etc/shadow"' } });
    const pending = ask('c.txt');
    log.close();
    const rows = actions(fold(log.file));
    assert.deepEqual(rows.map((r) => r.decision), ['denied-by-timeout', 'denied-by-killswitch', 'denied-by-policy', 'pending']);
    assert.equal(rows[2]?.rule?.layer, 'builtin');
    assert.deepEqual(rows[2]?.derivedSeqs, [c + 1]);
    assert.equal(rows[2]?.outcome, 'denied');
    assert.equal(rows[3]?.pendingSeq, pending);
  });

  it('filters: final decision, outcome, action, task, free text; unknown values name the valid ones', async () => {
    const logs = await exampleLogs();
    const view = fold(logs.byName('ask-then-denied'));
    const pass = (raw: Record<string, string>) => {
      const parsed = parseFilter(raw);
      assert.ok(parsed.ok);
      return view.rows.filter((r) => rowMatches(r, parsed.filter));
    };
    assert.deepEqual(pass({ decision: 'denied-by-user' }).map((r) => r.target), ['package.json', '["npm","install","left-pad"]']);
    assert.equal(pass({ verdict: 'deny' }).length, 3, '--verdict deny includes what the user refused');
    assert.equal(pass({ decision: 'allowed' }).length, 1);
    assert.equal(pass({ outcome: 'denied' }).length, 3);
    assert.equal(pass({ action: 'exec' }).length, 1);
    assert.equal(pass({ text: 'LEFT-PAD' }).length, 1);
    assert.equal(pass({ text: 'scripted approval' }).length, 1, 'the reason is searched');
    assert.ok(pass({ task: view.rows[1]?.task ?? '' }).length >= 4);
    const bad = parseFilter({ decision: 'refused' });
    assert.ok(!bad.ok);
    assert.deepEqual(bad.problem.valid, DECISION_FILTERS);
    assert.ok(!parseFilter({ outcome: 'ok' }).ok);
  });

  it('every string a row shows is display-safe; CSV fields cannot be formulas and stay one record', () => {
    const view = new LogView();
    const { row } = view.add({ seq: 1, kind: 'decision', ts: '2026-01-01T00:00:00.000Z', task: 't', action: 'fs.write', target: 'a\u202Etxt.exe\n#2 allow', verdict: 'allow', decidedBy: 'policy', data: { allowed: true, reason: 'r' } });
    assert.equal(rowView(row).target, 'a\\u202Etxt.exe\\n#2 allow');
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvRow(row).split('\n').length, 1);
  });

  it('never throws on entries of a strange shape', () => {
    const view = new LogView();
    const strange = [{ seq: 1, kind: 'decision', data: 'x' }, { seq: 2, kind: 'outcome', ref: 99 }, { seq: 3, kind: 'grant' }, { seq: 4, kind: 'decision', data: { askedIn: 2 } }, { seq: 5, kind: 'weird', rule: [1] }];
    for (const e of strange) view.add(e as unknown as LogEntryMessage);
    assert.equal(view.rows.length, 4);
  });
});
