import assert from 'node:assert/strict';
import { createPrettyReporter } from '../../sandbox/session/reporters/pretty.js';
import { formatJsonReport } from '../../sandbox/session/reporters/json.js';
import { formatJunitReport, xmlEscape } from '../../sandbox/session/reporters/junit.js';
import type { SessionReport } from '../../sandbox/session/report.js';
import { BASE_POLICY, Fixture } from './fixture.js';

/** A minimal XML reader: elements with their attributes, in document order; throws on mismatched tags. */
function parseXml(xml: string): { name: string; attrs: Record<string, string>; text: string }[] {
  const out: { name: string; attrs: Record<string, string>; text: string }[] = [];
  const stack: string[] = [];
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const re = /<(\/?)([A-Za-z]+)((?:\s+[A-Za-z]+="[^"<]*")*)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(body)) !== null) {
    if (m.index !== consumed) throw new Error(`unparsable XML at ${consumed}: ${body.slice(consumed, consumed + 40)}`);
    consumed = re.lastIndex;
    if (m[5] !== undefined) {
      if (stack.length === 0 && m[5].trim() !== '') throw new Error('text outside the root');
      const last = out[out.length - 1];
      if (last) last.text += m[5];
      continue;
    }
    const [, close, name = '', attrText = '', selfClose] = m;
    if (close) {
      if (stack.pop() !== name) throw new Error(`mismatched </${name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([A-Za-z]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
    out.push({ name, attrs, text: '' });
    if (!selfClose) stack.push(name);
  }
  if (consumed !== body.length || stack.length > 0) throw new Error('unclosed XML');
  return out;
}

describe('reporters', () => {
  let fx: Fixture;
  let reports: SessionReport[];
  before(async () => {
    fx = new Fixture();
    const pass = fx.session('passes', { steps: [{ action: 'fs.read', path: 'src/a.ts', expect: { outcome: 'done' } }] });
    const fail = fx.session('fails <&> "quoted"', {
      steps: [
        { action: 'fs.read', path: '.env', expect: { outcome: 'done' } },
        { action: 'fs.write', path: 'notes.md', content: 'x' },
      ],
    });
    reports = [await fx.run(pass), await fx.run(fail)];
  });
  after(() => fx.remove());

  it('json: one entry per session with its log and every step', () => {
    const doc = JSON.parse(formatJsonReport(reports)) as { ok: boolean; sessions: Record<string, unknown>[] };
    assert.equal(doc.ok, false);
    assert.deepEqual(doc.sessions.map((s) => [s['name'], s['ok']]), [['passes', true], ['fails <&> "quoted"', false]]);
    const failing = doc.sessions[1] as { log: string; steps: Record<string, unknown>[] };
    assert.equal(failing.log, reports[1]?.log);
    const [denied, unanswered] = failing.steps;
    assert.deepEqual(
      { index: denied?.['index'], action: denied?.['action'], target: denied?.['target'], verdict: denied?.['verdict'], outcome: denied?.['outcome'], ok: denied?.['ok'], decidedBy: denied?.['decidedBy'] },
      { index: 0, action: 'fs.read', target: '.env', verdict: 'deny', outcome: 'denied', ok: false, decidedBy: 'policy' },
    );
    assert.deepEqual(Object.keys(denied ?? {}).filter((k) => ['rule', 'error', 'result'].includes(k)).sort(), ['error', 'result', 'rule']);
    assert.deepEqual((denied?.['rule'] as { jsonPath?: string }).jsonPath, 'fs.read.deny[0]');
    assert.deepEqual(unanswered?.['prompts'], [{ action: 'fs.write', target: 'notes.md', answered: false }]);
  });

  it('junit: well-formed XML, a testsuite per session, a testcase per step, failures with the expectation', () => {
    const xml = formatJunitReport(reports);
    const els = parseXml(xml);
    const suites = els.filter((e) => e.name === 'testsuite');
    assert.deepEqual(suites.map((s) => [s.attrs['name'], s.attrs['tests'], s.attrs['failures']]), [
      ['passes', '1', '0'], ['fails &lt;&amp;&gt; &quot;quoted&quot;', '2', '1'],
    ]);
    assert.equal(els.filter((e) => e.name === 'testcase').length, 3);
    const failures = els.filter((e) => e.name === 'failure');
    assert.equal(failures.length, 1);
    assert.match(failures[0]?.attrs['message'] ?? '', /^expected outcome done, got denied/);
    assert.equal(els[0]?.attrs['failures'], '1');
  });

  it('junit escaping drops characters XML cannot carry and escapes markup', () => {
    assert.equal(xmlEscape('a<b>&"c\'\u0001\u0007d\ud800e😀'), 'a&lt;b&gt;&amp;&quot;c&apos;de😀');
  });

  it('pretty: a line per step with mark, action, target, verdict → outcome and who decided, then a summary', () => {
    let out = '';
    const pretty = createPrettyReporter({ write: (t) => { out += t; }, color: false, cwd: fx.dir });
    for (const r of reports) {
      r.steps.forEach((s) => pretty.step(s));
      pretty.sessionEnd(r);
    }
    pretty.summary(reports);
    const lines = out.split('\n');
    // The deciding rule, the final decision (who allowed or refused) and the step's time on the step's line.
    assert.ok(lines.some((l) => /^ {2}✓ {2}1 fs\.read src\/a\.ts {2}allow → done \(allowed by policy\) {2}← task scope tasks\.work\.scope\.fs\.read\.allow\[0\] "\*\*" {2}\d+ ms$/.test(l)), out);
    assert.ok(lines.some((l) => /^ {2}✗ {2}1 fs\.read \.env {2}deny → denied \(refused by policy\) {2}← workspace policy fs\.read\.deny\[0\] "\*\*\/\.env\*" {2}\d+ ms$/.test(l)), out);
    // An unanswered prompt is named as such, not as a refusal by the policy.
    assert.ok(lines.some((l) => /^ {2}✓ {2}2 fs\.write notes\.md {2}ask → denied \(unanswered prompt: refused\) {2}← the policy default {2}\d+ ms$/.test(l)), out);
    assert.ok(lines.some((l) => l.includes('unanswered prompt: fs.write notes.md')), out);
    // The failing step's reason once.
    assert.equal(out.split('Airlock denied fs.read ".env"').length - 1, 1, out);
    assert.ok(lines.some((l) => l.trim().startsWith('log: logs/')), out);
    assert.ok(lines.some((l) => /^2 sessions: 1 passed, 1 failed; 3 steps, 1 failed \(\d+ ms\)$/.test(l)), out);
  });

  it('junit test names are the step name or action and target, the same whatever the outcome', async () => {
    const file = fx.session('stable', { steps: [
      { action: 'fs.read', path: 'src/a.ts', expect: { outcome: 'done' } },
      { action: 'fs.read', path: 'src/a.ts', name: 'read it again', expect: { outcome: 'done' } },
    ] });
    const passing = await fx.run(file);
    fx.write('ws/.airlock/policy.json', JSON.stringify({ version: 1, fs: { read: { deny: ['src/**'] } }, tasks: { work: { intent: 'w', scope: {} } } }));
    const failing = await fx.run(file);
    fx.write('ws/.airlock/policy.json', JSON.stringify(BASE_POLICY));
    const names = (r: SessionReport) => parseXml(formatJunitReport([r])).filter((e) => e.name === 'testcase').map((e) => e.attrs['name']);
    assert.deepEqual(names(passing), ['01 fs.read src/a.ts', '02 read it again']);
    assert.deepEqual(names(failing), names(passing));
    const failures = parseXml(formatJunitReport([failing])).filter((e) => e.name === 'failure');
    assert.equal(failures.length, 2);
    assert.match(failures[0]?.text ?? '', /got: deny → denied \(refused by policy\)/);
  });

  it('json: per-step timings, the final decision, and script console output redacted as in the log', async () => {
    const file = fx.session('console', { steps: [
      { action: 'script', code: 'console.log("token ghp_" + "a".repeat(36)); console.warn("plain"); return 1;' },
    ] });
    const report = await fx.run(file);
    const doc = JSON.parse(formatJsonReport([report])) as { sessions: { steps: { durationMs: number; final: unknown; console: { level: string; text: string }[] }[] }[] };
    const step = doc.sessions[0]?.steps[0];
    assert.ok(typeof step?.durationMs === 'number');
    assert.deepEqual(step?.final, { decision: 'allowed', by: 'policy', unanswered: false });
    assert.equal(step?.console.length, 2);
    assert.doesNotMatch(step?.console[0]?.text ?? '', /ghp_a{36}/);
    assert.match(step?.console[0]?.text ?? '', /\[redacted/);
    assert.deepEqual(step?.console[1], { level: 'warn', text: 'plain' });
  });
});
