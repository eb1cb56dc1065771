import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replayCommand, runCommand, type CliIO } from '../../sandbox/cli/run.js';
import { BASE_POLICY, Fixture } from '../session/fixture.js';
import { runAirlock } from '../support/cli.js';

describe('airlock run / replay', () => {
  let fx: Fixture;
  let io: CliIO & { out: string; err: string };
  let savedState: string | undefined;
  beforeEach(() => {
    fx = new Fixture();
    savedState = process.env['AIRLOCK_STATE_DIR'];
    process.env['AIRLOCK_STATE_DIR'] = path.join(fx.dir, 'state');
    io = { out: '', err: '', cwd: fx.dir, color: false, stdout: (t) => { io.out += t; }, stderr: (t) => { io.err += t; } };
  });
  afterEach(() => {
    if (savedState === undefined) delete process.env['AIRLOCK_STATE_DIR'];
    else process.env['AIRLOCK_STATE_DIR'] = savedState;
    fx.remove();
  });

  const good = () => fx.session('good', { steps: [{ action: 'fs.read', path: 'README.md', expect: { outcome: 'done' } }] });
  const failing = () => fx.session('failing', { steps: [{ action: 'fs.write', path: 'package.json', content: '{}', expect: { outcome: 'done' } }] });

  it('exits 0 when every expectation holds, logging to ./.airlock-run/logs by default and verifying on request', async () => {
    good();
    const code = await runCommand(['good.json'], { verify: true }, io);
    assert.equal(code, 0, io.out + io.err);
    assert.match(io.out, /✓ {2}1 fs\.read README\.md {2}allow → done \(allowed by policy\) {2}← task scope/);
    assert.match(io.out, /log: \.airlock-run[/\\]logs[/\\]good-\d{8}T\d{6}-\w+\.jsonl/);
    assert.match(io.out, /log verified: \d+ entries, hash chain intact/);
    assert.equal(fs.readdirSync(path.join(fx.dir, '.airlock-run', 'logs')).filter((f) => f.endsWith('.jsonl')).length, 1);
  });

  it('exits 1 when an expectation fails; json goes to stdout alone, junit to --out with progress on stdout', async () => {
    good();
    failing();
    assert.equal(await runCommand(['good.json', 'failing.json'], { reporter: 'json', logDir: 'logs' }, io), 1);
    const doc = JSON.parse(io.out) as { sessions: { name: string; ok: boolean; log: string }[] };
    assert.deepEqual(doc.sessions.map((s) => [s.name, s.ok]), [['good', true], ['failing', false]]);
    assert.ok(doc.sessions[1]?.log.startsWith(path.join(fx.dir, 'logs')));

    io.out = '';
    assert.equal(await runCommand(['*.json'], { reporter: 'junit', out: 'reports/junit.xml', logDir: 'logs' }, io), 1);
    const xml = fs.readFileSync(path.join(fx.dir, 'reports', 'junit.xml'), 'utf8');
    assert.match(xml, /<testsuite name="failing"[^>]*failures="1"/);
    assert.match(io.out, /✗ {2}1 fs\.write package\.json {2}deny → denied \(refused by policy\)/);
    assert.match(io.out, /report: reports[/\\]junit\.xml/);
  });

  it('exits 2 with located errors for bad input, before running anything', async () => {
    good();
    fx.write('typo.json', '{\n  "name": "t", "workspace": "./ws", "task": { "template": "work" },\n  "steps": [{ "action": "fs.read", "pathh": "a" }]\n}\n');
    assert.equal(await runCommand(['good.json', 'typo.json', 'missing.json'], {}, io), 2);
    assert.match(io.err, /^typo\.json:3:36 steps\[0\]\.pathh: unknown field "pathh"; did you mean "path"\?/m);
    assert.match(io.err, /^missing\.json: cannot read the session file: no such file$/m);
    assert.equal(io.out, '', 'nothing ran');
    fx.session('wrok', { task: { template: 'wrok' }, steps: [{ action: 'fs.list' }] });
    assert.equal(await runCommand(['good.json', 'wrok.json'], {}, io), 2, 'a session that cannot start is bad input');
    assert.match(io.out, /^ {2}wrok\.json:\d+:\d+ task\.template: There is no task template "wrok"; the policy defines "work"\.$/m);
    assert.match(io.out, /2 sessions: 1 passed, 1 could not start/);
    assert.equal(await runCommand(['good.json'], { reporter: 'tap' }, io), 2);
    assert.match(io.err, /unknown reporter "tap"/);
  });

  it('with --reporter junit --out, bad input still writes a JUnit file with one error case (exit 2)', async () => {
    fx.write('broken.json', '{ "name": "b", "workspace": "./nope", "steps": [] }');
    assert.equal(await runCommand(['broken.json', 'missing.json'], { reporter: 'junit', out: 'junit.xml' }, io), 2);
    const xml = fs.readFileSync(path.join(fx.dir, 'junit.xml'), 'utf8');
    assert.equal(xml.match(/<testcase /g)?.length, 1, xml);
    assert.equal(xml.match(/<error /g)?.length, 1, xml);
    assert.match(xml, /<testsuites name="airlock run" tests="1" failures="0" errors="1">/);
    assert.match(xml, /broken\.json:1:\d+ steps: needs at least 1 entry/);
    assert.match(xml, /missing\.json: cannot read the session file/);
    io.out = '';
    assert.equal(await runCommand(['missing.json'], { reporter: 'json' }, io), 2);
    const doc = JSON.parse(io.out) as { ok: boolean; sessions: { problems: unknown[] }[] };
    assert.equal(doc.ok, false);
    assert.equal(doc.sessions[0]?.problems.length, 1);
  });

  it('replay prints the changed decisions and a summary, or JSON', async () => {
    const file = fx.session('r', { steps: [{ action: 'fs.write', path: 'src/a.ts', content: 'x' }, { action: 'fs.read', path: 'README.md' }] });
    fx.write('changed.json', JSON.stringify({ ...BASE_POLICY, fs: { ...BASE_POLICY.fs, write: { deny: ['src/**'] } } }));
    assert.equal(await replayCommand(path.basename(file), { policy: 'changed.json' }, io), 0, io.err);
    assert.equal(io.out, 'fs.write src/a.ts: allow → deny (workspace policy fs.write.deny[0] "src/**")  [step 1]\n2 decisions, 1 change\n');
    io.out = '';
    assert.equal(await replayCommand('r.json', { policy: 'changed.json', json: true }, io), 0);
    const doc = JSON.parse(io.out) as { total: number; changes: number; decisions: { before: string; after: string }[] };
    assert.deepEqual([doc.total, doc.changes, doc.decisions[0]?.before, doc.decisions[0]?.after], [2, 1, 'allow', 'deny']);
  });

  it('replay --fail-on-change exits 1 when a decision changes; a changed policy whose tests fail still replays, with a warning', async () => {
    const file = fx.session('r2', { steps: [
      { action: 'fs.write', path: 'src/a.ts', content: 'x' },
      { action: 'script', code: 'return 1;' }, { action: 'script', code: 'return 2;' }, { action: 'script', code: 'return 3;' },
    ] });
    fx.write('same.json', JSON.stringify(BASE_POLICY));
    assert.equal(await replayCommand(path.basename(file), { policy: 'same.json', failOnChange: true }, io), 0, io.err);
    // One summary line for every skipped script.
    assert.equal(io.out.split('\n').filter((l) => l.startsWith('skipped')).length, 1, io.out);
    assert.match(io.out, /^skipped 3 \(script; steps 2, 3, 4\): scripts are replayed only by their capability calls/m);

    io.out = '';
    fx.write('changed.json', JSON.stringify({
      ...BASE_POLICY, fs: { ...BASE_POLICY.fs, write: { deny: ['src/**'] } },
      tests: [{ action: 'fs.write', target: 'src/a.ts', expect: 'allow' }],
    }));
    assert.equal(await replayCommand('r2.json', { policy: 'changed.json', failOnChange: true }, io), 1);
    assert.match(io.out, /^fs\.write src\/a\.ts: allow → deny/m);
    assert.match(io.err, /^warning: the changed policy's own tests fail \(1\); the harness will not load it until they pass/m);
    assert.match(io.err, /changed\.json:\d+:\d+ tests\[0\]: expected allow, got deny/);
    assert.match(io.err, /--fail-on-change: 1 decision would change under changed\.json/);
  });

  it('runs the bundled examples in a child process: every expectation holds and every log verifies (exit 0)', async function () {
    this.timeout(120000);
    const logDir = path.join(fx.dir, 'example-logs');
    const r = await runAirlock(['run', 'examples/sessions/*.json', '--verify', '--log-dir', logDir], { env: { AIRLOCK_STATE_DIR: path.join(fx.dir, 'state'), NO_COLOR: '1' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /6 sessions: 6 passed; \d+ steps, 0 failed/);
    assert.equal((r.stdout.match(/log verified/g) ?? []).length, 6);
    assert.equal(fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl')).length, 6);
  });

  it('exits 2 in a child process for a bad session, and usage errors are bad input too', async () => {
    fx.write('bad.json', '{ "name": "b", "workspace": "./ws", "steps": [] }');
    const r = await runAirlock(['run', path.join(fx.dir, 'bad.json')], { env: { NO_COLOR: '1' } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /bad\.json:1:\d+ steps: needs at least 1 entry/);
  });
});
