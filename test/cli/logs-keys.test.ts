// `airlock logs prune`, `airlock keys export` + `airlock verify --key`, and `airlock log --follow` on a missing file.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, runAirlock, tsxLoader } from '../support/cli.js';
import { tempDir, writeSmallLog } from '../log/helpers.js';
import { parseDuration, pruneLogs } from '../../sandbox/log/prune.js';

describe('airlock logs prune / keys export / verify --key / log --follow', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => { dir = tempDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Five logs, one a day apart (oldest first), each with its .head. */
  function fiveLogs(logDir: string): string[] {
    fs.mkdirSync(logDir, { recursive: true });
    const now = Date.now();
    return [4, 3, 2, 1, 0].map((daysAgo, i) => {
      const file = path.join(logDir, `s${i}.jsonl`);
      fs.writeFileSync(file, '{}\n');
      fs.writeFileSync(`${file}.head`, 'h');
      const t = new Date(now - daysAgo * 86_400_000 - 60_000);
      fs.utimesSync(file, t, t);
      return file;
    });
  }

  it('parses durations', () => {
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('12h'), 12 * 3_600_000);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    for (const bad of ['30', 'd', '1y', '-1d']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('--keep N keeps the newest N logs (and removes the others\' .head files); --older-than removes by age', async () => {
    const logs = fiveLogs(path.join(dir, 'logs'));
    const dry = await runAirlock(['logs', 'prune', path.join(dir, 'logs'), '--keep', '2', '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.match(/^would remove /gm)?.length, 3);
    assert.ok(logs.every((f) => fs.existsSync(f)), 'a dry run removes nothing');

    const kept = await runAirlock(['logs', 'prune', path.join(dir, 'logs'), '--keep', '2']);
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(logs.map((f) => fs.existsSync(f)), [false, false, false, true, true]);
    assert.deepEqual(logs.map((f) => fs.existsSync(`${f}.head`)), [false, false, false, true, true]);
    assert.match(kept.stdout, /: 3 removed, 2 kept$/m);

    const older = await runAirlock(['logs', 'prune', path.join(dir, 'logs'), '--older-than', '12h']);
    assert.equal(older.code, 0, older.stderr);
    assert.deepEqual(logs.map((f) => fs.existsSync(f)), [false, false, false, false, true]);
  });

  it('never removes a log a live process is writing', () => {
    const [oldest] = fiveLogs(path.join(dir, 'logs'));
    fs.writeFileSync(`${oldest!}.lock`, `${process.pid}\n`);
    const r = pruneLogs(path.join(dir, 'logs'), { keep: 1 });
    assert.deepEqual(r.inUse, [oldest]);
    assert.ok(fs.existsSync(oldest!));
    assert.equal(r.removed.length, 3);
  });

  it('by default prunes this workspace\'s harness logs and ./.airlock-run/logs; bad input exits 2', async () => {
    const ws = path.join(dir, 'ws');
    const state = path.join(dir, 'state');
    fs.mkdirSync(ws);
    const runLogs = fiveLogs(path.join(ws, '.airlock-run', 'logs'));
    const env = { AIRLOCK_STATE_DIR: state };
    const { defaultLogDir } = await import('../../sandbox/log/paths.js');
    const saved = process.env['AIRLOCK_STATE_DIR'];
    process.env['AIRLOCK_STATE_DIR'] = state;
    const hostDir = defaultLogDir(ws);
    if (saved === undefined) delete process.env['AIRLOCK_STATE_DIR'];
    else process.env['AIRLOCK_STATE_DIR'] = saved;
    const hostLogs = fiveLogs(hostDir);
    const r = await runAirlock(['logs', 'prune', '--keep', '1'], { cwd: ws, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal([...runLogs, ...hostLogs].filter((f) => fs.existsSync(f)).length, 2);

    for (const args of [[], ['--keep', 'all'], ['--older-than', '3 days'], ['nope', '--keep', '1']]) {
      const bad = await runAirlock(['logs', 'prune', ...args], { cwd: ws, env });
      assert.equal(bad.code, 2, args.join(' '));
    }
  });

  it('keys export prints the public key; verify --key checks a log with it on another machine, and refuses another key', async () => {
    const { file, keyDir } = writeSmallLog(dir, { entries: 4, every: 2 });
    const exported = await runAirlock(['keys', 'export', '--key-dir', keyDir]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.match(exported.stdout, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    assert.match(exported.stderr, /^key id [0-9a-f]{16}$/m);
    assert.doesNotMatch(exported.stdout, /PRIVATE/);

    // The reviewer's machine: the log and the shared public key, no key dir of the author's.
    const reviewer = path.join(dir, 'reviewer');
    fs.mkdirSync(reviewer);
    const pub = path.join(reviewer, 'author.pem');
    fs.writeFileSync(pub, exported.stdout);
    for (const f of [file, `${file}.head`]) if (fs.existsSync(f)) fs.copyFileSync(f, path.join(reviewer, path.basename(f)));
    const shared = path.join(reviewer, path.basename(file));
    const ok = await runAirlock(['verify', shared, '--key', pub], { env: { AIRLOCK_STATE_DIR: path.join(reviewer, 'state') } });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /chain intact, last checkpoint #\d+ signed by [0-9a-f]{16}/);

    const other = writeSmallLog(path.join(dir, 'other'), { entries: 1, every: 1 });
    const otherPub = await runAirlock(['keys', 'export', '--key-dir', other.keyDir]);
    fs.writeFileSync(path.join(reviewer, 'other.pem'), otherPub.stdout);
    const wrong = await runAirlock(['verify', shared, '--key', path.join(reviewer, 'other.pem')], { env: { AIRLOCK_STATE_DIR: path.join(reviewer, 'state') } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /unknown key/);

    const missing = await runAirlock(['keys', 'export', '--key-dir', path.join(dir, 'nokeys')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no signing key in .*nokeys yet/);
    const badKey = await runAirlock(['verify', shared, '--key', path.join(reviewer, 'nope.pem')]);
    assert.equal(badKey.code, 2);
  });

  it('log --follow on a missing file says so (and waits); in a missing folder it exits 2', async () => {
    const gone = await runAirlock(['log', path.join(dir, 'no-such-folder', 'x.jsonl'), '--follow']);
    assert.equal(gone.code, 2);
    assert.match(gone.stderr, /No log at .*x\.jsonl, and its folder does not exist either; check the path\./);

    const child = spawn(process.execPath, ['--no-node-snapshot', '--import', tsxLoader, path.join(repoRoot, 'sandbox', 'cli', 'main.ts'), 'log', path.join(dir, 'later.jsonl'), '--follow'], {
      cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errText = '';
    child.stderr.on('data', (d: Buffer) => { errText += d.toString(); });
    try {
      for (let i = 0; i < 1000 && !/does not exist yet/.test(errText); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(errText, /later\.jsonl does not exist yet; waiting for it to be created \(Ctrl-C to stop\)\./);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
    }
  });
});
