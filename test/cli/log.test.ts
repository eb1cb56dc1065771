// `airlock verify` and `airlock log` through the real CLI: exit codes, the one-line verdict, filters, JSON, --follow.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot, runAirlock } from '../support/cli.js';
import { ActionLog } from '../../sandbox/log/writer.js';
import { tempDir, writeSmallLog } from '../log/helpers.js';
import { exampleLogs } from '../support/exampleLogs.js';

describe('airlock verify / airlock log', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let keyDir: string;
  before(() => {
    dir = tempDir();
    ({ file, keyDir } = writeSmallLog(dir, { entries: 4, every: 100 }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('verify: exit 0 with "N entries, chain intact, last checkpoint #k signed by <key id>"', async () => {
    const { code, stdout } = await runAirlock(['verify', file, '--key-dir', keyDir]);
    assert.equal(code, 0);
    assert.match(stdout.trim(), /^\d+ entries, chain intact, last checkpoint #1 signed by [0-9a-f]{16}$/);
  });

  it('verify: exit 1 naming the first bad entry and what is wrong', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.splice(2, 1); // drop entry 3
    fs.writeFileSync(bad, lines.join('\n'));
    const { code, stderr } = await runAirlock(['verify', bad, '--key-dir', keyDir]);
    assert.equal(code, 1);
    assert.match(stderr, /entry 3, line 3: seq gap: entry 3 is missing/);
  });

  it('verify --json prints the report', async () => {
    const { code, stdout } = await runAirlock(['verify', file, '--json', '--key-dir', keyDir]);
    assert.equal(code, 0);
    const report = JSON.parse(stdout) as { ok: boolean; entries: number; lastCheckpoint: { index: number } };
    assert.equal(report.ok, true);
    assert.equal(report.lastCheckpoint.index, 1);
  });

  it('verify: a key dir that does not hold the signing key reports an unknown key (exit 1)', async () => {
    const { code, stderr } = await runAirlock(['verify', file, '--key-dir', path.join(dir, 'elsewhere')]);
    assert.equal(code, 1);
    assert.match(stderr, /signed by an unknown key/);
  });

  it('verify: a missing file is bad input (exit 2)', async () => {
    const { code, stderr } = await runAirlock(['verify', path.join(dir, 'nope.jsonl'), '--key-dir', keyDir]);
    assert.equal(code, 2);
    assert.match(stderr, /Cannot read the log/);
  });

  it('log: prints entries, filtered by task, verdict and action; --json gives one entry per line', async () => {
    const all = await runAirlock(['log', file]);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /^#1 \S+ session\.start$/m);
    assert.match(all.stdout, /#3 \S+ decision \[t1\] fs\.write "src\/f0\.ts" -> allow: allowed by policy/);
    const writes = await runAirlock(['log', file, '--task', 't1', '--verdict', 'allow', '--action', 'fs.write', '--json']);
    assert.equal(writes.code, 0);
    const entries = writes.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; verdict?: string; task: string; ref?: number });
    // The small log's outcomes name seq i (1, 3): only the one naming decision #3 belongs to an allowed write.
    assert.deepEqual(entries.map((e) => `${e.kind}${e.ref ?? ''}`), ['decision', 'decision', 'outcome3'], 'each allowed write with its outcome');
    assert.ok(entries.every((e) => e.task === 't1'));
  });

  it('log: a user\'s approval and refusal read differently; --decision and --verdict deny find what the user refused', async () => {
    const logs = await exampleLogs();
    const approved = await runAirlock(['log', logs.byName('ask-then-approved')]);
    assert.match(approved.stdout, /#5 \S+ decision \[\S+\] fs\.write "package\.json" -> ask: allowed by the user/);
    assert.match(approved.stdout, /#3 \S+ decision \[\S+\] fs\.write "package\.json" -> ask: asking the user/);
    const denied = logs.byName('ask-then-denied');
    const refused = await runAirlock(['log', denied]);
    assert.match(refused.stdout, /#4 \S+ decision \[\S+\] fs\.write "package\.json" -> ask: denied by the user/);
    const byUser = await runAirlock(['log', denied, '--decision', 'denied-by-user', '--json']);
    assert.equal(byUser.code, 0);
    const seqs = byUser.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    assert.deepEqual(seqs, [3, 4, 5, 6, 7, 8], 'the ask, the refusal and the outcome of both refused actions');
    const deny = await runAirlock(['log', denied, '--verdict', 'deny']);
    assert.equal(deny.stdout.trim().split('\n').filter((l) => / decision .*-> ask: denied by the user/.test(l)).length, 2);
    const done = await runAirlock(['log', denied, '--outcome', 'done', '--action', 'fs.read']);
    assert.match(done.stdout, /#13 .* outcome \[\S+\] fs\.read "package\.json" => done/);
    const text = await runAirlock(['log', denied, '--text', 'left-pad']);
    assert.ok(text.stdout.trim().split('\n').every((l) => l.includes('left-pad')));
  });

  it('log: an unknown filter value is exit 2 naming the valid values', async () => {
    const bad = await runAirlock(['log', file, '--decision', 'refused']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown decision "refused"; valid values: allowed, denied, allowed-by-policy, .*denied-by-killswitch, pending/);
    const outcome = await runAirlock(['log', file, '--outcome', 'ok']);
    assert.equal(outcome.code, 2);
    assert.match(outcome.stderr, /unknown outcome "ok"; valid values: done, denied, error, killed, none/);
    const action = await runAirlock(['log', file, '--action', 'fs.writ']);
    assert.equal(action.code, 2);
    assert.match(action.stderr, /valid values: fs\.read, .*script/);
  });

  it('log: a missing file is bad input (exit 2)', async () => {
    const { code, stderr } = await runAirlock(['log', path.join(dir, 'nope.jsonl')]);
    assert.equal(code, 2);
    assert.match(stderr, /No log at/);
  });

  it('log --follow prints entries appended after it started', async () => {
    const live = path.join(dir, 'live.jsonl');
    const log = ActionLog.open({ file: live, session: 'live', policyHash: 'p'.repeat(64), keyDir });
    const child = spawn(process.execPath, ['--no-node-snapshot', '--import', 'tsx', path.join(repoRoot, 'sandbox', 'cli', 'main.ts'), 'log', live, '--follow', '--task', 'f'], {
      cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 1000 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 20));
      assert.match(out, re);
    };
    try {
      log.append({ kind: 'task.start', task: 'f' });
      await waitFor(/task\.start \[f\]/);
      log.append({ kind: 'decision', task: 'f', action: 'exec', target: 'ls', verdict: 'deny', decidedBy: 'policy' });
      await waitFor(/decision \[f\] exec "ls" -> deny: denied by policy/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      log.close();
    }
    assert.ok(!out.includes('session.start'), 'the task filter applies while following');
  });
});
