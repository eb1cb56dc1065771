// Fuzzes log verification: any mutation of a real log's bytes (flips, deletions, insertions, line swaps, duplicates,
// truncations) that changes them is reported as not ok, with a line; the unmutated log verifies.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ActionLog } from '../../sandbox/log/writer.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { headFileOf } from '../../sandbox/log/paths.js';
import { RUNS, tempDir } from './support.js';

type Mutation =
  | { op: 'flip'; at: number; mask: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'swap-lines'; a: number; b: number }
  | { op: 'duplicate-line'; a: number; to: number }
  | { op: 'delete-line'; a: number }
  | { op: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 8 }), fc.constantFrom<number[]>([10], [32], [48], [44], [10, 10])) }),
  fc.record({ op: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ op: fc.constant('duplicate-line' as const), a: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('delete-line' as const), a: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

/** Whole lines, each with its '\n' (a last line without one is kept as is). */
function splitLines(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, start)) {
    out.push(bytes.subarray(start, nl + 1));
    start = nl + 1;
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

function apply(bytes: Buffer, m: Mutation): Buffer {
  const at = (n: number) => (bytes.length === 0 ? 0 : n % (bytes.length + 1));
  const lines = splitLines(bytes);
  const line = (n: number) => (lines.length === 0 ? 0 : n % lines.length);
  switch (m.op) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      const i = m.at % bytes.length;
      copy[i] = copy[i]! ^ m.mask;
      return copy;
    }
    case 'delete': return Buffer.concat([bytes.subarray(0, at(m.at)), bytes.subarray(at(m.at) + m.len)]);
    case 'insert': return Buffer.concat([bytes.subarray(0, at(m.at)), Buffer.from(m.bytes), bytes.subarray(at(m.at))]);
    case 'swap-lines': {
      if (lines.length === 0) return bytes;
      const copy = [...lines];
      const [a, b] = [line(m.a), line(m.b)];
      [copy[a], copy[b]] = [copy[b]!, copy[a]!];
      return Buffer.concat(copy);
    }
    case 'duplicate-line': {
      const copy = [...lines];
      if (copy.length > 0) copy.splice(m.to % (copy.length + 1), 0, copy[line(m.a)]!);
      return Buffer.concat(copy);
    }
    case 'delete-line': return Buffer.concat(lines.filter((_, i) => i !== line(m.a)));
    case 'truncate': return bytes.subarray(0, at(m.at));
  }
}

describe('fuzz: log verification under random mutations', function () {
  this.timeout(60_000);
  let dir: string;
  let keyDir: string;
  let original: Buffer;
  let head: Buffer;

  before(() => {
    dir = tempDir();
    keyDir = path.join(dir, 'keys');
    const file = path.join(dir, 'small.jsonl');
    const log = ActionLog.open({ file, session: 'fuzz', policyHash: 'c'.repeat(64), keyDir, checkpointEvery: 4 });
    log.append({ kind: 'task.start', task: 't1', data: { intent: 'édit «files»', nested: { seq: 99, prev: 'f'.repeat(64) }, tricky: ',"prev":"x","seq":1}' } });
    for (let i = 0; i < 5; i++) {
      const seq = log.append({ kind: 'decision', task: 't1', action: 'fs.write', target: `src/f${i}.ts`, verdict: 'allow', decidedBy: 'policy', data: { allowed: true } }).seq;
      log.append({ kind: 'outcome', task: 't1', action: 'fs.write', target: `src/f${i}.ts`, outcome: 'done', ref: seq, durationMs: i });
    }
    log.append({ kind: 'task.end', task: 't1' });
    log.close();
    original = fs.readFileSync(file);
    head = fs.readFileSync(headFileOf(file));
    const report = verifyLog(file, { keyDir });
    assert.equal(report.ok, true, report.problem?.message);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('every mutation that changes the bytes is reported as not ok, naming a line', () => {
    let n = 0;
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (mutations) => {
      const bytes = mutations.reduce(apply, original);
      if (bytes.equals(original)) return;
      const file = path.join(dir, `m${n++}.jsonl`);
      fs.writeFileSync(file, bytes);
      fs.writeFileSync(headFileOf(file), head);
      try {
        const report = verifyLog(file, { keyDir });
        assert.equal(report.ok, false, `a mutated log verified: ${JSON.stringify(mutations)}`);
        const problem = report.problem;
        assert.ok(problem, 'not ok without a problem');
        const lineCount = splitLines(bytes).length;
        assert.ok(Number.isInteger(problem.line) && problem.line >= 1 && problem.line <= lineCount + 1,
          `problem line ${problem.line} is not a line of the ${lineCount}-line log: ${problem.kind} ${problem.message}`);
        assert.ok(problem.message.length > 0);
      } finally {
        fs.rmSync(file, { force: true });
        fs.rmSync(headFileOf(file), { force: true });
      }
    }), { numRuns: RUNS.pure });
  });
});
