import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { formatProblem } from '../../sandbox/errors.js';
import { readLog } from '../../sandbox/log/reader.js';
import { BASE_POLICY, Fixture } from './fixture.js';

describe('runSession (real workspace copies, real Enforcer, real log)', () => {
  let fx: Fixture;
  beforeEach(() => { fx = new Fixture(); });
  afterEach(() => fx.remove());

  it('runs allowed steps in a temp copy, never touching the original, and writes a verifiable log outside it', async () => {
    const file = fx.session('allowed', {
      steps: [
        { action: 'fs.read', path: 'src/a.ts', expect: { verdict: 'allow', outcome: 'done', resultContains: 'a = 1' } },
        { action: 'fs.write', path: 'src/b.ts', content: 'export const b = 2;\n', expect: { verdict: 'allow', outcome: 'done', decidedBy: 'policy' } },
        { action: 'fs.list', path: 'src', expect: { resultContains: 'b.ts' } },
        { action: 'script', code: "const s = await airlock.fs.readFile('src/b.ts'); return s.length;", expect: { outcome: 'done', resultContains: '20' } },
      ],
    });
    const report = await fx.run(file, { verify: true, keepWorkspace: true });
    assert.equal(report.ok, true, JSON.stringify(report.steps.map((s) => s.failures)));
    assert.deepEqual(report.steps.map((s) => [s.action, s.outcome]), [['fs.read', 'done'], ['fs.write', 'done'], ['fs.list', 'done'], ['script', 'done']]);
    assert.equal(report.steps[3]?.result, 20);
    assert.equal(fs.existsSync(path.join(fx.ws, 'src/b.ts')), false, 'the original workspace is untouched');
    assert.ok(report.workspace && fs.readFileSync(path.join(report.workspace, 'src/b.ts'), 'utf8').includes('b = 2'));
    const log = report.log ?? assert.fail('the session has no log');
    assert.ok(log.startsWith(fx.logDir + path.sep), log);
    assert.deepEqual(report.verify && { ok: report.verify.ok }, { ok: true });
    const kinds: string[] = [];
    for await (const e of readLog(log)) kinds.push(e.kind);
    assert.ok(kinds.includes('task.start') && kinds.filter((k) => k === 'decision').length >= 4, kinds.join(','));
    fs.rmSync(report.workspace, { recursive: true, force: true });
  });

  it('an allow-task answer covers later actions without asking; an unmatched prompt is refused and reported', async () => {
    const file = fx.session('grants', {
      approvals: [{ action: 'fs.write', target: 'docs/**', answer: 'allow-task' }],
      steps: [
        { action: 'fs.write', path: 'docs/a.md', content: 'a', expect: { verdict: 'ask', outcome: 'done', decidedBy: 'user' } },
        { action: 'fs.write', path: 'docs/sub/b.md', content: 'b', expect: { outcome: 'done', decidedBy: 'grant' } },
        { action: 'fs.write', path: 'notes.md', content: 'n', expect: { verdict: 'ask', outcome: 'denied' } },
      ],
    });
    const report = await fx.run(file);
    assert.equal(report.ok, true, JSON.stringify(report.steps.map((s) => s.failures)));
    assert.deepEqual(report.steps[0]?.prompts, [{ action: 'fs.write', target: 'docs/a.md', rule: 0, answer: 'allow-task', answered: true }]);
    assert.deepEqual(report.steps[1]?.prompts, [], 'the grant answers without a prompt');
    assert.deepEqual(report.steps[2]?.prompts, [{ action: 'fs.write', target: 'notes.md', answered: false }]);
    assert.match(report.steps[2]?.error?.message ?? '', /no scripted approval answers fs\.write notes\.md/);
  });

  it('an allow-once answer covers only that action: the same write is asked again', async () => {
    const file = fx.session('once', {
      approvals: [{ action: 'fs.write', target: 'README.md', answer: 'allow-once' }],
      steps: [
        { action: 'fs.write', path: 'README.md', content: '1', expect: { decidedBy: 'user' } },
        { action: 'fs.write', path: 'README.md', content: '2', expect: { decidedBy: 'user' } },
      ],
    });
    const report = await fx.run(file);
    assert.equal(report.ok, true);
    assert.equal(report.steps.flatMap((s) => s.prompts).length, 2);
  });

  it('"times": 1 scripts "allow the first, refuse the second"', async () => {
    const file = fx.session('times', {
      approvals: [
        { action: 'fs.write', target: 'README.md', answer: 'allow-once', times: 1 },
        { action: 'fs.write', target: 'README.md', answer: 'deny' },
      ],
      steps: [
        { action: 'fs.write', path: 'README.md', content: '1', expect: { outcome: 'done', decidedBy: 'user' } },
        { action: 'fs.write', path: 'README.md', content: '2', expect: { outcome: 'denied', decidedBy: 'user' } },
        { action: 'fs.write', path: 'README.md', content: '3', expect: { outcome: 'denied', decidedBy: 'user' } },
      ],
    });
    const report = await fx.run(file);
    assert.equal(report.ok, true, JSON.stringify(report.steps.map((s) => s.failures)));
    assert.deepEqual(report.steps.flatMap((s) => s.prompts.map((p) => [p.rule, p.answer])), [[0, 'allow-once'], [1, 'deny'], [1, 'deny']]);

    const onlyOnce = fx.session('times-alone', {
      approvals: [{ action: 'fs.write', target: 'README.md', answer: 'allow-once', times: 1 }],
      steps: [
        { action: 'fs.write', path: 'README.md', content: '1', expect: { outcome: 'done' } },
        { action: 'fs.write', path: 'README.md', content: '2', expect: { outcome: 'denied' } },
      ],
    });
    const second = await fx.run(onlyOnce);
    assert.equal(second.ok, true);
    assert.deepEqual(second.steps[1]?.prompts, [{ action: 'fs.write', target: 'README.md', answered: false }]);
  });

  it('a failed expectation fails its step and the session, and later steps still run', async () => {
    const file = fx.session('failing', {
      steps: [
        { action: 'fs.read', path: '.env', expect: { verdict: 'allow', outcome: 'done', errorMatches: 'nothing like this' } },
        { action: 'fs.read', path: 'README.md', expect: { resultContains: '# ws' } },
      ],
    });
    const report = await fx.run(file);
    assert.equal(report.ok, false);
    assert.equal(report.steps[0]?.ok, false);
    assert.deepEqual(report.steps[0]?.failures.map((f) => f.replace(/\(.*$/, '').trim()), [
      'expected verdict allow, got deny',
      'expected outcome done, got denied',
      'expected an error matching /nothing like this/, got denied: "Airlock denied fs.read \\".env\\": workspace policy fs.read.deny[0] \\"**/.env*\\""',
    ].map((f) => f.replace(/\(.*$/, '').trim()));
    assert.equal(report.steps[1]?.ok, true);
  });

  it('runs under an inline policy or a preset instead of the workspace policy', async () => {
    const inline = fx.session('inline', {
      policy: { ...BASE_POLICY, fs: { read: { allow: ['**'], deny: ['README.md'] } } },
      steps: [{ action: 'fs.read', path: 'README.md', expect: { verdict: 'deny', errorMatches: 'fs\\.read\\.deny\\[0\\] "README\\.md"' } }],
    });
    const a = await fx.run(inline);
    assert.equal(a.ok, true, JSON.stringify(a.steps.map((s) => [s.failures, s.error])));
    assert.equal(a.steps[0]?.rule?.file, 'inline.json policy');
    const preset = fx.session('preset', {
      policy: 'airlock:read-only', task: { scope: { fs: { read: { allow: ['**'] }, write: { allow: ['**'] } } } },
      steps: [{ action: 'fs.write', path: 'src/a.ts', content: 'x', expect: { outcome: 'denied' } }],
    });
    const b = await fx.run(preset);
    assert.equal(b.ok, true, JSON.stringify(b.steps.map((s) => [s.verdict, s.failures, s.error])));
  });

  it('stops a runaway script at the CPU limit, and a kill step refuses everything after it', async () => {
    const fxLimited = new Fixture({ ...BASE_POLICY, limits: { cpuMs: 200, wallMs: 5000 } });
    try {
      const file = fxLimited.session('runaway', {
        steps: [
          { action: 'script', code: 'while (true) {}', expect: { outcome: 'error', errorMatches: 'cpu' } },
          { action: 'kill' },
          { action: 'fs.read', path: 'README.md', expect: { outcome: 'denied' } },
        ],
      });
      const report = await fxLimited.run(file);
      assert.equal(report.ok, true, JSON.stringify(report.steps.map((s) => [s.failures, s.error])));
      assert.equal(report.steps[1]?.decidedBy, 'killswitch');
    } finally {
      fxLimited.remove();
    }
  });

  it('reports a policy that does not load against the original workspace file, and an unknown template in the session', async () => {
    fx.write('ws/.airlock/policy.json', '{\n  "version": 1,\n  "fs": { "raed": {} }\n}\n');
    const bad = await fx.run(fx.session('bad-policy', { steps: [{ action: 'fs.list' }] }));
    assert.equal(bad.ok, false);
    assert.equal(bad.log, undefined);
    const text = (bad.problems ?? []).map(formatProblem).join('\n');
    assert.match(text, /ws[/\\]\.airlock[/\\]policy\.json:3:\d+ fs\.raed: unknown field/);

    fx.write('ws/.airlock/policy.json', JSON.stringify(BASE_POLICY));
    const file = fx.session('bad-template', { task: { template: 'wrok' }, steps: [{ action: 'fs.list' }] });
    const unknown = await fx.run(file);
    const problem = unknown.problems?.[0];
    assert.equal(problem?.code, 'task.unknown-template');
    assert.equal(problem?.place?.file, file);
    assert.equal(problem?.place?.jsonPath, 'task.template');
    assert.ok((problem?.place?.line ?? 0) > 1);
  });
});
