// Verification at scale: a 1,000,000-entry log verifies (count, chain, checkpoint), and one flipped byte in it is found.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import { buildEntry } from '../../sandbox/log/build.js';
import { ENTRY_DOMAIN, LineEncoder, checkpointMessage, genesisPrev } from '../../sandbox/log/format.js';
import { loadOrCreateSigningKey, signCheckpoint } from '../../sandbox/log/keys.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { tempDir } from './helpers.js';

const COUNT = 1_000_000;
const decisionJson = (prev: string, seq: number) =>
  `{"action":"fs.write","decidedBy":"policy","kind":"decision","prev":"${prev}","rule":{"jsonPath":"fs.write.allow[0]","layer":"workspace"},"seq":${seq},"session":"big","target":"src/f${seq}.ts","task":"t1","ts":"2025-01-01T00:00:00.000Z","v":1,"verdict":"allow"}`;

describe('log verification at scale', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = tempDir(); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('verifies a 1,000,000-entry log, and finds a single flipped byte in its middle', () => {
    const file = path.join(dir, 'big.jsonl');
    const keyDir = path.join(dir, 'keys');
    const key = loadOrCreateSigningKey(keyDir);
    // The template is canonical JSON: check it once against the reference serialiser.
    const sample = decisionJson('a'.repeat(64), 2);
    assert.equal(sample, canonicalize(JSON.parse(sample)));

    const encoder = new LineEncoder();
    const header = { v: 1, session: 'big', policyHash: 'b'.repeat(64), keyId: key.keyId, publicKey: key.publicKey, created: '2025-01-01T00:00:00.000Z' };
    // The log's own entries are built as the writer builds them (no redaction).
    const genesis = genesisPrev(header);
    const first = encoder.encode(genesis, buildEntry({ kind: 'session.start', data: header }, { seq: 1, ts: header.created, session: 'big', prev: genesis }, false).json);
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, first.line);
    let prev = first.hash;
    let batch: string[] = [];
    let middleOffset = 0;
    let written = first.line.length;
    for (let seq = 2; seq <= COUNT; seq++) {
      const json = decisionJson(prev, seq);
      const hash = crypto.hash('sha256', ENTRY_DOMAIN + prev + json, 'hex');
      const line = `${hash} ${json}\n`;
      if (seq === COUNT / 2) middleOffset = written + batch.reduce((n, l) => n + l.length, 0) + 100;
      batch.push(line);
      prev = hash;
      if (batch.length === 20_000) {
        const chunk = batch.join('');
        fs.writeSync(fd, chunk);
        written += chunk.length;
        batch = [];
      }
    }
    fs.writeSync(fd, batch.join(''));
    const cp = { size: COUNT, head: prev, time: '2025-01-01T00:00:01.000Z' };
    const checkpoint = encoder.encode(prev, buildEntry(
      { kind: 'checkpoint', data: { index: 1, ...cp, keyId: key.keyId, sig: signCheckpoint(key, checkpointMessage(cp)) } },
      { seq: COUNT + 1, ts: cp.time, session: 'big', prev }, false,
    ).json);
    fs.writeSync(fd, checkpoint.line);
    fs.closeSync(fd);

    const report = verifyLog(file, { keyDir });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.entries, COUNT + 1);
    assert.deepEqual(report.lastCheckpoint, { index: 1, keyId: key.keyId, seq: COUNT + 1 });

    const fdw = fs.openSync(file, 'r+');
    const byte = Buffer.alloc(1);
    fs.readSync(fdw, byte, 0, 1, middleOffset);
    byte[0] = (byte[0] as number) ^ 0x04;
    fs.writeSync(fdw, byte, 0, 1, middleOffset);
    fs.closeSync(fdw);
    const tampered = verifyLog(file, { keyDir });
    assert.equal(tampered.ok, false);
    assert.equal(tampered.problem?.kind, 'hash-mismatch');
    assert.equal(tampered.problem?.seq, COUNT / 2);
  });
});
