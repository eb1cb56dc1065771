// Agent-chosen strings (paths, argv, URLs, error messages) cannot forge or hide lines of the `airlock run` pretty report.
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCommand, type CliIO } from '../../sandbox/cli/run.js';
import { Fixture } from '../session/fixture.js';

const FORGED = '\n  ✓  9 fs.write src/ok.ts  allow → done (allowed by policy)';
const HOSTILE = [
  `evil${FORGED}`,
  'src/\u001b[2K\u001b[1Gfine.ts',
  'src/\u202eexe.ts',
  'src/a\rb\u2028c\u0085d.ts',
];

describe('adversarial: a hostile agent string cannot forge a report line', () => {
  let fx: Fixture;
  let saved: string | undefined;
  before(() => {
    fx = new Fixture();
    saved = process.env['AIRLOCK_STATE_DIR'];
    process.env['AIRLOCK_STATE_DIR'] = path.join(fx.dir, 'state');
  });
  after(() => {
    if (saved === undefined) delete process.env['AIRLOCK_STATE_DIR'];
    else process.env['AIRLOCK_STATE_DIR'] = saved;
    fx.remove();
  });

  it('every agent-chosen string is escaped: one line per step, no control or bidi character reaches the terminal', async () => {
    const steps = [
      ...HOSTILE.map((p) => ({ action: 'fs.write', path: p, content: 'x', expect: { outcome: 'done' } })),
      { action: 'exec', argv: ['node', `--version${FORGED}`], expect: { outcome: 'done' } },
      { action: 'net.fetch', url: `http://example.invalid/${encodeURI('x')}\u001b]0;title\u0007`, expect: { outcome: 'done' } },
      { action: 'script', code: `throw new Error(${JSON.stringify(`boom${FORGED}\u001b[31m`)});`, expect: { outcome: 'done' } },
    ];
    fx.session('hostile', { steps });
    const io: CliIO & { out: string; err: string } = { out: '', err: '', cwd: fx.dir, color: false, stdout: (t) => { io.out += t; }, stderr: (t) => { io.err += t; } };
    const code = await runCommand(['hostile.json'], { logDir: 'logs' }, io);
    assert.equal(code, 1, io.out + io.err);

    // Nothing but printable text and newlines: no ESC, CR, bidi overrides, C1 controls or line separators.
    assert.doesNotMatch(io.out, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    const stepLines = io.out.split('\n').filter((l) => /^ {2}[✓✗] +\d+ /.test(l));
    assert.equal(stepLines.length, steps.length, io.out);
    assert.deepEqual(stepLines.map((l) => Number(/^ {2}[✓✗] +(\d+) /.exec(l)?.[1])), steps.map((_, i) => i + 1), 'no forged step number');
    assert.deepEqual(stepLines.map((l) => /^ {2}[✓✗] +\d+ (\S+) /.exec(l)?.[1]), steps.map((s) => s.action), 'each line is its own step');
    // The hostile text is still there to read, escaped.
    assert.match(io.out, /evil\\n {2}✓ {2}9 fs\.write/);
    assert.match(io.out, /src\/\\u202Eexe\.ts/);
    assert.match(io.out, /\\x1B\[2K/);
  });
});
