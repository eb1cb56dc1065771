// Incremental verification of a growing log, the head kept apart reported missing, and slices (exports) of a log.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import { verifyLogFrom } from '../../sandbox/log/verify.js';
import { verifySlice } from '../../sandbox/log/slice.js';
import { headFileOf } from '../../sandbox/log/paths.js';
import { tempDir } from './helpers.js';

describe('log: incremental verification and slices', () => {
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const open = (name = 'l.jsonl') => ActionLog.open({ file: path.join(dir, name), session: 's', policyHash: 'a'.repeat(64), keyDir: path.join(dir, 'keys'), checkpointEvery: 5 });
  const keyDir = () => path.join(dir, 'keys');

  it('checks only what was appended since the last run, and gives the same verdict as a full run', () => {
    const log = open();
    for (let i = 0; i < 7; i++) log.append({ kind: 'decision', task: 't', action: 'fs.read', target: `f${i}`, verdict: 'allow', decidedBy: 'policy' });
    const first = verifyLogFrom(log.file, { keyDir: keyDir(), live: true });
    assert.equal(first.report.ok, true, first.report.problem?.message);
    assert.equal(first.from, 1);
    for (let i = 0; i < 4; i++) log.append({ kind: 'decision', task: 't', action: 'fs.read', target: `g${i}`, verdict: 'allow', decidedBy: 'policy' });
    const next = verifyLogFrom(log.file, { keyDir: keyDir(), live: true, resume: first.state! });
    assert.equal(next.report.ok, true, next.report.problem?.message);
    assert.equal(next.from, first.report.entries + 1);
    assert.equal(next.report.entries, verifyLogFrom(log.file, { keyDir: keyDir(), live: true }).report.entries);
    assert.equal(next.report.lastCheckpoint?.index, 2);
    assert.ok((next.report.lastCheckpoint?.seq ?? 0) > first.report.entries, 'the checkpoint found in the new lines');
    log.close();
    const full = verifyLogFrom(log.file, { keyDir: keyDir() });
    const after = verifyLogFrom(log.file, { keyDir: keyDir(), resume: next.state! });
    assert.equal(after.report.entries, full.report.entries);
    assert.equal(after.report.ok, true);
  });

  it('an appended line that was altered is found by the incremental run; a rewritten tail makes it start over', () => {
    const log = open();
    log.append({ kind: 'decision', task: 't', action: 'fs.read', target: 'a', verdict: 'allow', decidedBy: 'policy' });
    const first = verifyLogFrom(log.file, { keyDir: keyDir(), live: true });
    log.append({ kind: 'decision', task: 't', action: 'fs.read', target: 'b', verdict: 'allow', decidedBy: 'policy' });
    log.close();
    const bytes = fs.readFileSync(log.file, 'utf8').replace('"target":"b"', '"target":"c"');
    fs.writeFileSync(log.file, bytes);
    const next = verifyLogFrom(log.file, { keyDir: keyDir(), resume: first.state! });
    assert.equal(next.report.ok, false);
    assert.equal(next.report.problem?.kind, 'hash-mismatch');
    assert.equal(next.report.problem?.seq, 3);
    // The verified prefix itself rewritten: the resume point no longer holds, so the whole file is checked again.
    fs.writeFileSync(log.file, bytes.replace('"target":"a"', '"target":"z"'));
    const again = verifyLogFrom(log.file, { keyDir: keyDir(), resume: first.state! });
    assert.equal(again.from, 1);
    assert.equal(again.report.problem?.seq, 2);
  });

  it('says when the head kept apart is missing', () => {
    const log = open();
    log.close();
    assert.equal(verifyLogFrom(log.file, { keyDir: keyDir() }).report.headMissing, undefined);
    fs.rmSync(headFileOf(log.file));
    const r = verifyLogFrom(log.file, { keyDir: keyDir() }).report;
    assert.equal(r.ok, true);
    assert.equal(r.headMissing, true);
  });

  it('a slice verifies line by line and against its log; an altered or foreign line does not', () => {
    const log = open();
    for (let i = 0; i < 6; i++) log.append({ kind: 'decision', task: 't', action: 'fs.read', target: `f${i}`, verdict: 'allow', decidedBy: 'policy' });
    log.close();
    const lines = fs.readFileSync(log.file, 'utf8').trimEnd().split('\n');
    const slice = path.join(dir, 'slice.jsonl');
    fs.writeFileSync(slice, [lines[1], lines[2], lines[5]].join('\n') + '\n');
    const ok = verifySlice(slice, { against: log.file, keyDir: keyDir() });
    assert.equal(ok.ok, true, ok.problem?.message);
    assert.equal(ok.runs, 2);
    fs.writeFileSync(slice, [lines[1], (lines[2] as string).replace('"f1"', '"f9"')].join('\n') + '\n');
    assert.equal(verifySlice(slice).problem?.kind, 'hash-mismatch');
    fs.writeFileSync(slice, [lines[2], lines[1]].join('\n') + '\n');
    assert.equal(verifySlice(slice).problem?.kind, 'reordered');
    const other = open('other.jsonl');
    other.close();
    const foreign = fs.readFileSync(other.file, 'utf8').split('\n')[0] as string;
    fs.writeFileSync(slice, foreign + '\n');
    assert.equal(verifySlice(slice).ok, true, 'a line of another log matches its own hash');
    assert.equal(verifySlice(slice, { against: log.file, keyDir: keyDir() }).problem?.kind, 'not-in-log');
  });
});
