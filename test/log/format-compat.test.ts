// Format stability: a committed log of format v1 still verifies, and today's writer rebuilds it byte for byte.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '../../sandbox/errors.js';
import { buildEntry } from '../../sandbox/log/build.js';
import type { EntryInput } from '../../sandbox/log/entry.js';
import { genesisPrev, LineEncoder } from '../../sandbox/log/format.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { formatV1Inputs } from './fixtures/format-v1-inputs.js';
import { linesOf } from './helpers.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'format-v1');
const LOG = path.join(FIXTURE, 'log.jsonl');
/** Entries the log writes itself (not redacted); every other line is the next of formatV1Inputs(), in order. */
const OWN_KINDS = new Set(['session.start', 'recovery', 'checkpoint', 'session.end']);

describe('log format stability (fixtures/format-v1)', () => {
  it('verifies the committed log: two sessions, a recovered torn tail, 8 signed checkpoints', () => {
    const report = verifyLog(LOG, { keyDir: path.join(FIXTURE, 'keys') });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.entries, 45);
    assert.equal(report.lastCheckpoint?.index, 8);
  });

  it('rebuilds every line of it byte for byte from the same inputs (redaction, key order, number and string rendering)', () => {
    const bytes = fs.readFileSync(LOG);
    const lines = linesOf(bytes);
    const inputs = formatV1Inputs();
    const encoder = new LineEncoder();
    const rebuilt: Buffer[] = [];
    let next = 0;
    for (const line of lines) {
      const stored = JSON.parse(line.slice(65)) as Record<string, unknown> & { kind: EntryInput['kind']; seq: number; ts: string; session: string; prev: string };
      const chain = { seq: stored.seq, ts: stored.ts, session: stored.session, prev: stored.prev };
      const own = OWN_KINDS.has(stored.kind);
      const input: EntryInput = own ? { kind: stored.kind, ...(stored['data'] === undefined ? {} : { data: stored['data'] as Record<string, unknown> }) } : (inputs[next++] as EntryInput);
      if (stored.seq === 1) assert.equal(stored.prev, genesisPrev(stored['data'] as Record<string, unknown>));
      const { json } = buildEntry(input, chain, !own);
      assert.equal(json, line.slice(65), `seq ${stored.seq} (${stored.kind})`);
      rebuilt.push(Buffer.from(encoder.encode(chain.prev, json).line));
    }
    assert.equal(next, inputs.length, 'every input has its line');
    assert.ok(Buffer.concat(rebuilt).equals(bytes), 'the rebuilt lines, hashes included, equal the file');
  });

  it('still refuses a key holding a lone surrogate (redaction cannot rename keys), as log.bad-entry', () => {
    const chain = { seq: 2, ts: '2025-01-01T00:00:00.000Z', session: 's', prev: 'a'.repeat(64) };
    assert.throws(() => buildEntry({ kind: 'outcome', data: { 'key \udc00': 'value' } }, chain, true), (e: AirlockError) => e.code === 'log.bad-entry');
  });
});
