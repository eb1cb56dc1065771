import assert from 'node:assert/strict';
import { formatReplay, replayLog, replaySession } from '../../sandbox/session/replay.js';
import { BASE_POLICY, Fixture } from './fixture.js';

describe('replay', () => {
  let fx: Fixture;
  let session: string;
  let changedPolicy: string;
  beforeEach(() => {
    fx = new Fixture();
    session = fx.session('replayed', {
      approvals: [{ action: 'fs.write', target: 'docs/**', answer: 'allow-task' }],
      steps: [
        { action: 'fs.read', path: 'src/a.ts' },
        { action: 'fs.write', path: 'docs/a.md', content: 'a' },
        { action: 'fs.write', path: 'docs/b.md', content: 'b' },
        { action: 'script', code: "return await airlock.fs.readFile('README.md');" },
        { action: 'fs.write', path: 'src/x.ts', content: 'x' },
      ],
    });
    // The changed policy lets the task write docs/ and no longer lets it write src/.
    changedPolicy = fx.write('changed.json', JSON.stringify({
      ...BASE_POLICY,
      fs: { read: BASE_POLICY.fs.read, write: { allow: ['src/**', 'docs/**'], deny: ['src/x.ts'] } },
      tasks: { work: { intent: 'docs', scope: { fs: { read: { allow: ['**'] }, write: { allow: ['docs/**'] } } } } },
    }));
  });
  afterEach(() => fx.remove());

  it('decides a session\'s steps under both policies and lists what changes; script steps are skipped with a note', async () => {
    const r = await replaySession(session, { policyFile: changedPolicy });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    const changes = r.report.decisions.filter((d) => d.changed).map((d) => `${d.action} ${d.target}: ${d.before} → ${d.after}`);
    assert.deepEqual(changes, ['fs.write docs/a.md: ask → allow', 'fs.write docs/b.md: ask → allow', 'fs.write src/x.ts: allow → deny']);
    assert.equal(r.report.total, 4);
    assert.deepEqual(r.report.skipped.map((s) => [s.at, s.what]), [[3, 'script']]);
    const text = formatReplay(r.report);
    assert.match(text, /^fs\.write docs\/a\.md: ask → allow \(task scope tasks\.work\.scope\.fs\.write\.allow\[0\] "docs\/\*\*"\)/m);
    assert.match(text, /^fs\.write src\/x\.ts: allow → deny \(workspace policy fs\.write\.deny\[0\] "src\/x\.ts"\)/m);
    assert.match(text, /^4 decisions, 3 changes \(1 skipped\)$/m);
  });

  it('decides a log\'s recorded decisions again, including a script\'s capability calls, comparing grants with the ask they answered', async () => {
    const run = await fx.run(session);
    assert.ok(run.log);
    const r = await replayLog(run.log, { policyFile: changedPolicy, workspaceRoot: fx.ws });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    const rows = r.report.decisions.map((d) => `${d.action} ${d.target}: ${d.before} → ${d.after}`);
    assert.deepEqual(rows, [
      'fs.read src/a.ts: allow → allow',
      'fs.write docs/a.md: ask → allow',
      'fs.write docs/b.md: ask → allow',
      'fs.read README.md: allow → allow',
      'fs.write src/x.ts: allow → deny',
    ]);
    assert.match(r.report.decisions[2]?.note ?? '', /allowed by grant-\w+ during the run/);
    assert.equal(r.report.changes, 3);
    assert.equal(r.report.skipped.length, 1);
    assert.match(r.report.skipped[0]?.note ?? '', /capability calls/);
  });

  it('replays a log\'s task started with an explicit scope in that scope, which the log records', async () => {
    const scoped = fx.session('scoped', {
      task: { intent: 'docs only', scope: { fs: { read: { allow: ['**'] }, write: { allow: ['docs/**'] } } } },
      steps: [{ action: 'fs.write', path: 'docs/a.md', content: 'a' }, { action: 'fs.write', path: 'src/y.ts', content: 'y' }],
    });
    const run = await fx.run(scoped);
    assert.ok(run.log);
    // The changed policy allows src/ and docs/; the task's own scope still only covers docs/, so src/y.ts stays asked
    // (decided under the policy alone it would wrongly show as a change to allow).
    const r = await replayLog(run.log, { policyFile: changedPolicy, workspaceRoot: fx.ws });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    const rows = r.report.decisions.map((d) => `${d.action} ${d.target}: ${d.before} → ${d.after}`);
    assert.deepEqual(rows, ['fs.write docs/a.md: ask → allow', 'fs.write src/y.ts: ask → ask']);
    assert.equal(r.report.decisions.some((d) => /policy alone/.test(d.note ?? '')), false);
  });

  it('reports a changed policy that does not load as located problems', async () => {
    const broken = fx.write('broken.json', '{ "version": 2 }');
    const r = await replaySession(session, { policyFile: broken });
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.problems.some((p) => p.place?.jsonPath === 'version'), JSON.stringify(!r.ok && r.problems));
  });
});
