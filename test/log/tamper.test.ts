// Tamper detection: every mutation vector, named after what it does, must make `verifyLog` fail and say what is wrong.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { verifyLog } from '../../sandbox/log/verify.js';
import { headFileOf } from '../../sandbox/log/paths.js';
import { joinLines, linesOf, mutatedCopy, rewriteAndRehash, tempDir, writeSmallLog } from './helpers.js';

describe('log tamper detection', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let keyDir: string;
  let lines: string[];

  before(() => {
    dir = tempDir();
    ({ file, keyDir } = writeSmallLog(dir, { entries: 4, every: 3 }));
    lines = linesOf(fs.readFileSync(file));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const verify = (f: string) => verifyLog(f, { keyDir });

  it('the untouched log verifies, with its last checkpoint and key id', () => {
    const report = verify(file);
    assert.equal(report.ok, true, JSON.stringify(report.problem));
    assert.equal(report.entries, lines.length);
    assert.ok(report.lastCheckpoint && report.lastCheckpoint.index >= 2);
    assert.match(report.lastCheckpoint.keyId, /^[0-9a-f]{16}$/);
  });

  it('flipped-byte@N: a flip of every byte of the log is detected (100%; the flipped bit rotates through all 8)', () => {
    const original = fs.readFileSync(file);
    const copy = path.join(dir, 'flipped.jsonl');
    fs.copyFileSync(headFileOf(file), headFileOf(copy));
    const missed: string[] = [];
    for (let i = 0; i < original.length; i++) {
      const mask = 1 << (i % 8);
      const bytes = Buffer.from(original);
      bytes[i] = (bytes[i] as number) ^ mask;
      fs.writeFileSync(copy, bytes);
      const report = verify(copy);
      if (report.ok) missed.push(`flipped-byte@${i}^${mask.toString(16)}`);
    }
    assert.deepEqual(missed, [], `undetected flips: ${missed.slice(0, 10).join(', ')}`);
  });

  it('flipped-byte@N names the altered entry: a flip inside entry 3 is a hash mismatch at entry 3', () => {
    const offset = lines.slice(0, 2).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0) + 100; // inside line 3's JSON
    const copy = mutatedCopy(file, 'flipped-byte@line3', (b) => { b[offset] = (b[offset] as number) ^ 0x01; return b; });
    const report = verify(copy);
    assert.equal(report.ok, false);
    assert.equal(report.problem?.kind, 'hash-mismatch');
    assert.equal(report.problem?.seq, 3);
    assert.equal(report.problem?.line, 3);
  });

  it('dropped@N: deleting any line is detected; a middle line is a seq gap naming the missing entry', () => {
    for (let n = 1; n <= lines.length; n++) {
      const copy = mutatedCopy(file, `dropped@${n}`, () => joinLines(lines.filter((_, i) => i !== n - 1)));
      const report = verify(copy);
      assert.equal(report.ok, false, `dropped@${n} not detected`);
      if (n > 1 && n < lines.length) {
        assert.equal(report.problem?.kind, 'seq-gap', `dropped@${n}: ${report.problem?.message}`);
        assert.equal(report.problem?.seq, n);
      }
    }
    const last = verify(mutatedCopy(file, 'dropped@last', () => joinLines(lines.slice(0, -1))));
    assert.equal(last.problem?.kind, 'truncated');
  });

  it('swapped@N-M: swapping any two lines is detected as a reordering', () => {
    for (let n = 1; n < lines.length; n++) {
      for (const m of [n + 1, Math.min(lines.length, n + 3)]) {
        if (m === n) continue;
        const swapped = [...lines];
        [swapped[n - 1], swapped[m - 1]] = [swapped[m - 1] as string, swapped[n - 1] as string];
        const report = verify(mutatedCopy(file, `swapped@${n}-${m}`, () => joinLines(swapped)));
        assert.equal(report.ok, false, `swapped@${n}-${m} not detected`);
        assert.equal(report.problem?.kind, 'reordered', `swapped@${n}-${m}: ${report.problem?.message}`);
        assert.equal(report.problem?.line, n);
      }
    }
  });

  it('duplicated@N: a replayed line is detected as a reordering', () => {
    const dup = [...lines.slice(0, 4), lines[2] as string, ...lines.slice(4)];
    const report = verify(mutatedCopy(file, 'duplicated@3', () => joinLines(dup)));
    assert.equal(report.problem?.kind, 'reordered');
    assert.equal(report.problem?.line, 5);
  });

  it('truncated-tail: cutting whole lines off the end is detected through the head kept apart', () => {
    for (let k = 1; k < lines.length; k++) {
      const report = verify(mutatedCopy(file, `truncated-tail-${k}`, () => joinLines(lines.slice(0, lines.length - k))));
      assert.equal(report.ok, false, `truncated-tail-${k} not detected`);
      assert.equal(report.problem?.kind, 'truncated');
      assert.equal(report.entries, lines.length - k);
    }
  });

  it('truncated-tail@byte: cutting the file at any byte offset is detected', () => {
    const original = fs.readFileSync(file);
    for (let at = 0; at < original.length; at++) {
      const report = verify(mutatedCopy(file, 'truncated-at', (b) => b.subarray(0, at)));
      assert.equal(report.ok, false, `truncated at byte ${at} not detected`);
      assert.ok(['truncated', 'torn-line'].includes(report.problem?.kind ?? ''), `${at}: ${report.problem?.kind}`);
    }
  });

  it('truncated-after-checkpoint: a cut right after checkpoint #1 is reported as such', () => {
    const firstCheckpoint = lines.findIndex((l) => l.includes('"kind":"checkpoint"'));
    const report = verify(mutatedCopy(file, 'truncated-after-checkpoint', () => joinLines(lines.slice(0, firstCheckpoint + 1))));
    assert.equal(report.problem?.kind, 'truncated');
    assert.match(report.problem?.message ?? '', /truncated after checkpoint #1\b/);
  });

  it('torn-line: a partial last line is reported as torn, naming the line after the last whole entry', () => {
    const report = verify(mutatedCopy(file, 'torn-line', (b) => Buffer.concat([b, Buffer.from('0123abc {"kind":"deci')])));
    assert.equal(report.problem?.kind, 'torn-line');
    assert.equal(report.problem?.line, lines.length + 1);
    assert.equal(report.entries, lines.length);
  });

  it('rehashed@N: an entry edited with the whole chain re-hashed is caught by the checkpoint signature', () => {
    const copy = mutatedCopy(file, 'rehashed@3', (b) => rewriteAndRehash(b, (entries) => {
      (entries[2] as Record<string, unknown>)['target'] = 'src/innocent.ts';
    }));
    const report = verify(copy);
    assert.equal(report.problem?.kind, 'bad-signature', report.problem?.message);
  });

  it('bad-signature: a forged signature (with the line re-hashed) is detected', () => {
    const copy = mutatedCopy(file, 'bad-signature', (b) => rewriteAndRehash(b, (entries) => {
      const cp = entries.find((e) => e['kind'] === 'checkpoint') as { data: { sig: string } };
      const sig = Buffer.from(cp.data.sig, 'base64');
      sig[5] = (sig[5] as number) ^ 1;
      cp.data.sig = sig.toString('base64');
    }));
    const report = verify(copy);
    assert.equal(report.problem?.kind, 'bad-signature');
    assert.match(report.problem?.message ?? '', /checkpoint #1/);
  });

  it('rehashed-tail: re-hashing entries after the last checkpoint is caught by the head kept apart', () => {
    const copy = mutatedCopy(file, 'rehashed-tail', (b) => rewriteAndRehash(b, (entries) => {
      entries.pop(); // drop the final checkpoint so no signature covers the edit
      (entries[entries.length - 2] as Record<string, unknown>)['task'] = 'other';
    }));
    const report = verify(copy);
    assert.equal(report.ok, false);
    assert.ok(['truncated', 'hash-mismatch'].includes(report.problem?.kind ?? ''), report.problem?.message);
  });

  it('replaced-header: a different session header (another policy hash) breaks the first entry', () => {
    const copy = mutatedCopy(file, 'replaced-header', (b) => {
      const ls = linesOf(b);
      ls[0] = (ls[0] as string).replace('"policyHash":"aaaa', '"policyHash":"bbbb');
      return joinLines(ls);
    });
    const report = verify(copy);
    assert.equal(report.problem?.kind, 'hash-mismatch');
    assert.equal(report.problem?.line, 1);
  });

  it('unknown-key: checkpoints signed by a key outside the trusted key dir are reported', () => {
    const report = verifyLog(file, { keyDir: path.join(dir, 'no-such-keys') });
    assert.equal(report.ok, false);
    assert.equal(report.problem?.kind, 'unknown-key');
    assert.match(report.problem?.message ?? '', /unknown key [0-9a-f]{16}/);
  });
});
