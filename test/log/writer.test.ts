// ActionLog: every field on disk, the hash chain and header commitment, checkpoints, head file, lock, recovery.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import canonicalize from 'canonicalize';
import { AirlockError } from '../../sandbox/errors.js';
import { ActionLog, defaultLogDir, digest } from '../../sandbox/log/writer.js';
import { ENTRY_DOMAIN, genesisPrev, parseLine, checkpointMessage } from '../../sandbox/log/format.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { readHead } from '../../sandbox/log/head.js';
import { headFileOf, lockFileOf, sessionLogFile } from '../../sandbox/log/paths.js';
import { keyIdOf, trustedKeys } from '../../sandbox/log/keys.js';
import type { LogEntry } from '../../sandbox/log/entry.js';
import { linesOf, tempDir } from './helpers.js';

function entriesOf(file: string): LogEntry[] {
  return linesOf(fs.readFileSync(file)).map((l, i) => parseLine(l, i + 1));
}

describe('ActionLog writer', () => {
  let dir: string;
  let keyDir: string;
  let file: string;
  const open = (extra: Partial<Parameters<typeof ActionLog.open>[0]> = {}) =>
    ActionLog.open({ file, session: 'sess-A', policyHash: 'f'.repeat(64), keyDir, ...extra });

  beforeEach(() => {
    dir = tempDir();
    keyDir = path.join(dir, 'keys');
    file = path.join(dir, 'logs', 'a.jsonl');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('numbers checkpoints on across reopenings, from the head when it matches the tail, else by counting', () => {
    for (let i = 0; i < 3; i++) {
      const log = open();
      log.append({ kind: 'decision', action: 'fs.read', target: `f${i}`, verdict: 'allow', decidedBy: 'policy', rule: { layer: 'workspace' } });
      log.close();
    }
    // A head that does not match the tail (here: gone) is not trusted: the count comes from the file.
    fs.rmSync(headFileOf(file));
    const log = open();
    log.close();
    const indexes = entriesOf(file).filter((e) => e.kind === 'checkpoint').map((e) => (e.data as { index: number }).index);
    assert.deepEqual(indexes, [1, 2, 3, 4]);
    assert.equal(readHead(file)?.checkpoint, 4);
    assert.equal(verifyLog(file, { keyDir }).ok, true);
  });

  it('writes every field of a decision and its outcome, and reads them back unchanged', () => {
    const log = open();
    const script = digest('airlock.fs.write("a.ts", "x")');
    const decision = log.append({
      kind: 'decision', task: 'task-1', action: 'fs.write', target: 'src/a.ts', verdict: 'allow',
      rule: { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.write.allow[0]', pattern: 'src/**', line: 3, col: 7 },
      decidedBy: 'user', script, digests: { content: digest('new contents') }, data: { grantId: 'g1' },
    });
    const outcome = log.append({
      kind: 'outcome', task: 'task-1', action: 'fs.write', target: 'src/a.ts', ref: decision.seq, outcome: 'error',
      error: { code: 'fs.denied', message: 'write refused' }, durationMs: 12.5, script,
    });
    log.close();
    const onDisk = entriesOf(file);
    const d = onDisk.find((e) => e.seq === decision.seq) as LogEntry;
    const o = onDisk.find((e) => e.seq === outcome.seq) as LogEntry;
    assert.deepEqual(d, decision);
    assert.deepEqual(o, outcome);
    assert.equal(d.v, 1);
    assert.equal(d.session, 'sess-A');
    assert.match(d.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(d.decidedBy, 'user');
    assert.deepEqual(d.rule, { layer: 'workspace', file: '.airlock/policy.json', jsonPath: 'fs.write.allow[0]', pattern: 'src/**', line: 3, col: 7 });
    assert.equal(d.digests?.['content'], `sha256:${crypto.createHash('sha256').update('new contents').digest('hex')}`);
    assert.equal(o.ref, d.seq);
    assert.equal(o.prev, d.hash);
    assert.deepEqual(o.error, { code: 'fs.denied', message: 'write refused' });
    assert.equal(o.durationMs, 12.5);
    assert.equal(o.script, script);
    assert.ok(!fs.readFileSync(file, 'utf8').includes('new contents'), 'contents never reach the log, only digests');
  });

  it('hashes each line as SHA-256(domain ‖ prev ‖ RFC 8785 JSON of the entry), and stores exactly that JSON', () => {
    const log = open();
    log.append({ kind: 'task.start', task: 't', data: { z: 1, a: { y: [3, 'é'], b: null } } });
    log.close();
    for (const line of linesOf(fs.readFileSync(file))) {
      const [hash, json] = [line.slice(0, 64), line.slice(65)];
      const body = JSON.parse(json) as Record<string, unknown>;
      assert.equal(json, canonicalize(body), 'the stored JSON is canonical');
      assert.equal(hash, crypto.createHash('sha256').update(ENTRY_DOMAIN + String(body['prev']) + json).digest('hex'));
    }
  });

  it('commits the first entry to the session header and the policy hash', () => {
    open({ header: { workspace: '/w', agent: 'test' } }).close();
    const [first] = entriesOf(file);
    assert.equal(first?.seq, 1);
    assert.equal(first?.kind, 'session.start');
    assert.equal(first?.data?.['policyHash'], 'f'.repeat(64));
    assert.equal(first?.data?.['workspace'], '/w');
    assert.equal(first?.prev, genesisPrev(first?.data as Record<string, unknown>));
  });

  it('logs scripts with their SHA-256 and the capability calls inside them point to it', () => {
    const log = open();
    const source = 'await airlock.fs.read("a")';
    const scriptHash = digest(source);
    const s = log.append({ kind: 'script', task: 't', digests: { script: scriptHash } });
    const call = log.append({ kind: 'decision', task: 't', action: 'fs.read', target: 'a', verdict: 'allow', decidedBy: 'policy', script: scriptHash, ref: s.seq });
    log.close();
    const all = entriesOf(file);
    assert.equal(all.find((e) => e.kind === 'script')?.digests?.['script'], scriptHash);
    assert.equal(all.find((e) => e.seq === call.seq)?.script, scriptHash);
    assert.ok(!fs.readFileSync(file, 'utf8').includes(source));
  });

  it('records grants, revocations, policy loads, kills and task start/end as entries of their own', () => {
    const log = open();
    log.append({ kind: 'policy.load', data: { policyHash: 'e'.repeat(64), files: ['.airlock/policy.json'] } });
    log.append({ kind: 'task.start', task: 't', data: { intent: 'fix tests' } });
    log.append({ kind: 'grant', task: 't', data: { grant: { id: 'g1', scope: 'task', kind: 'fs.write', target: 'src/**' } }, decidedBy: 'user' });
    log.append({ kind: 'revoke', task: 't', data: { grantId: 'g1' } });
    log.append({ kind: 'kill', task: 't', decidedBy: 'killswitch' });
    log.append({ kind: 'task.end', task: 't', outcome: 'killed' });
    log.close();
    const kinds = entriesOf(file).map((e) => e.kind);
    assert.deepEqual(kinds, ['session.start', 'policy.load', 'task.start', 'grant', 'revoke', 'kill', 'task.end', 'session.end', 'checkpoint']);
    assert.equal(verifyLog(file, { keyDir }).ok, true);
  });

  it('has the decision in the file when append returns (before the action runs), and fsyncs within the window', async () => {
    const log = open({ fsyncWindowMs: 5 });
    const e = log.append({ kind: 'decision', task: 't', action: 'exec', target: 'npm test', verdict: 'allow', decidedBy: 'policy' });
    const text = fs.readFileSync(file, 'utf8'); // synchronously, before anything else runs
    assert.ok(text.includes(e.hash), 'the decision line is in the file as soon as append returns');
    await sleep(100);
    assert.equal(readHead(file)?.seq, e.seq, 'the group fsync recorded the head');
    log.close();
  });

  it('checkpoints every N entries and at close, signing {size, head, time} with the key kept outside the workspace', () => {
    const log = open({ checkpointEvery: 5 });
    for (let i = 0; i < 12; i++) log.append({ kind: 'decision', action: 'fs.read', target: `f${i}`, verdict: 'allow', decidedBy: 'policy' });
    log.close();
    const all = entriesOf(file);
    const cps = all.filter((e) => e.kind === 'checkpoint');
    assert.ok(cps.length >= 3, `expected checkpoints every 5 entries and at close, got ${cps.length}`);
    assert.equal(all.at(-1)?.kind, 'checkpoint');
    assert.equal(all.at(-2)?.kind, 'session.end');
    const keyFile = path.join(keyDir, 'signing.key');
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const pub = crypto.createPublicKey(crypto.createPrivateKey(fs.readFileSync(keyFile)));
    const raw = Buffer.from(pub.export({ format: 'jwk' }).x as string, 'base64url');
    assert.equal(keyIdOf(pub), crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16));
    cps.forEach((cp, i) => {
      const data = cp.data as { index: number; size: number; head: string; time: string; keyId: string; sig: string };
      assert.equal(data.index, i + 1);
      assert.equal(data.size, cp.seq - 1);
      assert.equal(data.head, cp.prev);
      assert.equal(data.keyId, keyIdOf(pub));
      assert.ok(crypto.verify(null, checkpointMessage(data), pub, Buffer.from(data.sig, 'base64')));
    });
    assert.equal(log.keyId, keyIdOf(pub));
    assert.ok(trustedKeys(keyDir).has(keyIdOf(pub)));
  });

  it('keeps the latest head apart from the log', () => {
    const log = open();
    log.append({ kind: 'task.start', task: 't' });
    log.close();
    const head = readHead(file);
    const last = entriesOf(file).at(-1) as LogEntry;
    assert.deepEqual({ seq: head?.seq, hash: head?.hash, bytes: head?.bytes }, { seq: last.seq, hash: last.hash, bytes: fs.statSync(file).size });
    assert.equal(headFileOf(file), `${file}.head`);
  });

  it('close is idempotent and nothing can be appended after it', () => {
    const log = open();
    log.close();
    const size = fs.statSync(file).size;
    log.close();
    assert.equal(fs.statSync(file).size, size);
    assert.throws(() => log.append({ kind: 'task.start' }), (e: AirlockError) => e.code === 'log.closed');
    assert.equal(fs.existsSync(lockFileOf(file)), false, 'the lock is released');
  });

  it('refuses entries it writes itself and kinds it does not know', () => {
    const log = open();
    assert.throws(() => log.append({ kind: 'checkpoint' }), (e: AirlockError) => e.code === 'log.bad-entry');
    assert.throws(() => log.append({ kind: 'nonsense' as never }), (e: AirlockError) => e.code === 'log.bad-entry' && /kind is "nonsense"; expected one of/.test(e.message));
    assert.throws(() => log.append({ kind: 'decision', verdict: 'maybe' as never }), (e: AirlockError) => e.code === 'log.bad-entry' && /verdict/.test(e.message));
    assert.throws(() => log.append({ kind: 'outcome', durationMs: NaN }), (e: AirlockError) => e.code === 'log.bad-entry');
    log.close();
  });

  it('notifies onAppend listeners of every entry until they unsubscribe; a throwing listener does not stop the log', () => {
    const log = open();
    const seen: number[] = [];
    log.onAppend(() => { throw new Error('panel crashed'); });
    const off = log.onAppend((e) => seen.push(e.seq));
    const a = log.append({ kind: 'task.start', task: 't' });
    off();
    log.append({ kind: 'task.end', task: 't' });
    log.close();
    assert.deepEqual(seen, [a.seq]);
  });

  it('allows one writer per file: a second open is refused with log.locked while the first is open', () => {
    const log = open();
    assert.throws(() => open({ session: 'sess-B' }), (e: AirlockError) => e.code === 'log.locked' && e.message.includes(String(process.pid)));
    log.close();
    const again = open({ session: 'sess-B' });
    again.close();
  });

  it('takes over a lock left by a dead process', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid as number;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(lockFileOf(file), `${dead}\n`);
    const log = open();
    assert.equal(fs.readFileSync(lockFileOf(file), 'utf8').trim(), String(process.pid));
    log.close();
  });

  it('continues an existing chain on reopen, with a new session.start, and the whole file verifies', () => {
    const a = open();
    a.append({ kind: 'task.start', task: 't1' });
    a.close();
    const lastBefore = entriesOf(file).at(-1) as LogEntry;
    const b = open({ session: 'sess-B' });
    const e = b.append({ kind: 'task.start', task: 't2' });
    b.close();
    const all = entriesOf(file);
    const resumed = all.find((x) => x.seq === lastBefore.seq + 1) as LogEntry;
    assert.equal(resumed.kind, 'session.start');
    assert.equal(resumed.prev, lastBefore.hash);
    assert.equal(resumed.session, 'sess-B');
    assert.equal(e.seq, resumed.seq + 1);
    assert.deepEqual(all.map((x) => x.seq), all.map((_, i) => i + 1));
    const report = verifyLog(file, { keyDir });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.lastCheckpoint?.index, 2);
  });

  it('recovers a torn last line on open: cuts it, logs the recovery with the torn bytes\' digest, and verifies again', () => {
    const a = open();
    a.append({ kind: 'task.start', task: 't1' });
    a.close();
    const torn = Buffer.from('4f2a9c {"action":"fs.write","kind":"deci');
    fs.appendFileSync(file, torn);
    assert.equal(verifyLog(file, { keyDir }).problem?.kind, 'torn-line');
    const tornAt = fs.statSync(file).size - torn.length;
    const b = open({ session: 'sess-B' });
    b.close();
    const all = entriesOf(file);
    const recovery = all.find((e) => e.kind === 'recovery') as LogEntry;
    assert.ok(recovery, 'a recovery entry is logged');
    assert.deepEqual(recovery.data?.['tornLine'], { offset: tornAt, bytes: torn.length, digest: digest(torn) });
    const before = all[recovery.seq - 2] as LogEntry;
    assert.equal(recovery.prev, before.hash, 'the chain continues from the last whole entry');
    assert.ok(!fs.readFileSync(file, 'utf8').includes('"kind":"deci'));
    assert.equal(verifyLog(file, { keyDir }).ok, true);
  });

  it('records entries lost behind the recorded head (power loss) in the recovery entry', () => {
    const a = open();
    for (let i = 0; i < 3; i++) a.append({ kind: 'task.start', task: `t${i}` });
    a.close();
    const lines = linesOf(fs.readFileSync(file));
    const headSeq = lines.length;
    fs.writeFileSync(file, lines.slice(0, -2).map((l) => `${l}\n`).join('')); // the last two lines never reached the disk
    assert.equal(verifyLog(file, { keyDir }).problem?.kind, 'truncated');
    open({ session: 'sess-B' }).close();
    const recovery = entriesOf(file).find((e) => e.kind === 'recovery') as LogEntry;
    assert.deepEqual(recovery.data?.['lostEntries'], { from: headSeq - 1, to: headSeq, headHash: (linesOf(Buffer.from(lines.join('\n')))[headSeq - 1] as string).slice(0, 64) });
    assert.equal(verifyLog(file, { keyDir }).ok, true);
  });

  it('refuses to continue a chain whose last entry was altered', () => {
    open().close();
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 1;
    fs.writeFileSync(file, bytes);
    assert.throws(() => open(), (e: AirlockError) => e.code === 'log.corrupt');
    assert.equal(fs.existsSync(lockFileOf(file)), false, 'a failed open releases the lock');
  });

  it('keeps logs outside the workspace by default: a per-workspace folder in the state directory', () => {
    const ws = path.join(dir, 'my workspace');
    fs.mkdirSync(ws);
    const saved = process.env['AIRLOCK_STATE_DIR'];
    const savedXdg = process.env['XDG_STATE_HOME'];
    try {
      delete process.env['AIRLOCK_STATE_DIR'];
      process.env['XDG_STATE_HOME'] = path.join(dir, 'state');
      const logDir = defaultLogDir(ws);
      const id = crypto.createHash('sha256').update(fs.realpathSync(ws)).digest('hex').slice(0, 16);
      assert.equal(logDir, path.join(dir, 'state', 'airlock', 'logs', `${id}-my_workspace`));
      assert.ok(!logDir.startsWith(ws + path.sep));
      fs.symlinkSync(ws, path.join(dir, 'link'));
      assert.equal(defaultLogDir(path.join(dir, 'link')), logDir, 'the same workspace through a symlink has the same log dir');
      process.env['AIRLOCK_STATE_DIR'] = path.join(dir, 'custom');
      assert.equal(defaultLogDir(ws), path.join(dir, 'custom', 'logs', `${id}-my_workspace`));
      const f = sessionLogFile(logDir, 'sess/1', new Date('2025-01-02T03:04:05.678Z'));
      assert.equal(path.basename(f), '2025-01-02T03-04-05-678Z-sess_1.jsonl');
    } finally {
      if (saved === undefined) delete process.env['AIRLOCK_STATE_DIR']; else process.env['AIRLOCK_STATE_DIR'] = saved;
      if (savedXdg === undefined) delete process.env['XDG_STATE_HOME']; else process.env['XDG_STATE_HOME'] = savedXdg;
    }
  });

  it('digest() gives sha256:<hex> of strings and bytes alike', () => {
    assert.equal(digest('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(digest(new TextEncoder().encode('abc')), digest('abc'));
  });

  it('replaces lone surrogates (not representable in canonical JSON) instead of failing the action', () => {
    const log = open();
    const e = log.append({ kind: 'decision', action: 'fs.read', target: 'a\ud800b', verdict: 'allow', decidedBy: 'policy' });
    log.close();
    assert.equal(e.target, 'a\ufffdb');
    assert.equal(verifyLog(file, { keyDir }).ok, true);
  });
});

describe('ActionLog writer on random entries', () => {
  it('writes RFC 8785 canonical JSON for any JSON data in data and rule, and the file verifies', async () => {
    const fc = (await import('fast-check')).default;
    const canonicalize = (await import('canonicalize')).default;
    const dir = tempDir();
    try {
      const file = path.join(dir, 'random.jsonl');
      const keyDir = path.join(dir, 'keys');
      const log = ActionLog.open({ file, session: 'rand', policyHash: 'r'.repeat(64), keyDir, checkpointEvery: 97 });
      fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), fc.string(), (data, rule, target) => {
        log.append({ kind: 'decision', action: 'fs.read', target, verdict: 'deny', decidedBy: 'policy', rule, data: { value: data } });
      }), { numRuns: 500 });
      log.close();
      for (const line of linesOf(fs.readFileSync(file))) {
        const json = line.slice(65);
        assert.equal(json, canonicalize(JSON.parse(json)));
      }
      const report = verifyLog(file, { keyDir });
      assert.equal(report.ok, true, report.problem?.message);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
