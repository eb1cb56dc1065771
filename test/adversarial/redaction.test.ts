// Redaction gaps: secrets an agent routes through argv options, `-u user:pass`, percent-encoded query keys, vendor key
// formats (Stripe), console output and thrown messages never reach the log file; console output is kept only as a
// digest and a short redacted excerpt.
import assert from 'node:assert/strict';
import { Arena, listening, type CanaryServer } from './support.js';
import { redactString } from '../../sandbox/log/redact.js';
import { CONSOLE_EXCERPT_CHARS, CONSOLE_EXCERPT_LINES } from '../../sandbox/pipeline/logExcerpts.js';

// Assembled at run time so that no scanner mistakes this test for a leak; the shape is Stripe's live secret key.
const STRIPE = ['sk', 'live', '51HxQ2aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX4yZ5'].join('_');
const PASSWORD = 'Tr0ub4dor-and-3-horses';

describe('adversarial: redaction', function () {
  this.timeout(60_000);
  let arena: Arena;
  let server: CanaryServer;
  before(async () => { server = await listening(); });
  after(() => server.close());
  afterEach(() => arena?.close());

  it('keeps argv secrets out of the log: --password/--token/--api-key as a separate word or with =, and -u user:pass', async () => {
    arena = new Arena({ policy: { version: 1, default: 'deny', exec: { allow: [['echo', '**']] } } });
    const task = arena.startTask();
    const argvs = [
      ['echo', '--password', PASSWORD], ['echo', `--password=${PASSWORD}`], ['echo', '--token', PASSWORD],
      ['echo', '--api-key', PASSWORD], ['echo', `--db-password=${PASSWORD}`], ['echo', '--github-token', PASSWORD],
      ['echo', '-u', `alice:${PASSWORD}`], ['echo', '--user', `alice:${PASSWORD}`], ['echo', `-ualice:${PASSWORD}`], ['echo', 'charge', STRIPE],
    ];
    const results = [];
    for (const argv of argvs) results.push(await arena.perform(task, { action: 'exec', argv }));
    for (const r of results) assert.equal(r.outcome, 'done', JSON.stringify(r));
    const log = arena.logText();
    assert.equal(log.includes(PASSWORD), false, 'no argv password in the log');
    assert.equal(log.includes(STRIPE), false, 'no Stripe key in the log');
    assert.match(log, /\[redacted:cli-secret\]/);
    assert.match(log, /alice:\[redacted:cli-password\]/);
    assert.match(log, /\[redacted:stripe-access-token\]/);
  });

  it('decodes query keys before matching: acc%65ss_token=… is redacted like access_token=…', async () => {
    arena = new Arena({ policy: { version: 1, default: 'deny', net: { allow: [`http://127.0.0.1:${server.port}/**`] } } });
    const task = arena.startTask();
    for (const q of [`acc%65ss_token=${PASSWORD}`, `%61pi_key=${PASSWORD}`, `x=1&client%5Fsecret=${PASSWORD}`, `charge=${STRIPE.replace(/_/g, '%5F')}`]) {
      const r = await arena.perform(task, { action: 'net.fetch', url: `http://127.0.0.1:${server.port}/cb?${q}` });
      assert.equal(r.outcome, 'done', JSON.stringify(r));
    }
    assert.equal(server.hits.length, 4);
    assert.equal(arena.logText().includes(PASSWORD), false, 'no percent-encoded query secret in the log');
    assert.equal(arena.logText().includes(STRIPE.slice(12)), false, 'no percent-encoded Stripe key in the log');
  });

  it('keeps console output as a digest and a bounded, redacted excerpt; thrown messages are bounded and redacted', async () => {
    const fileBody = `${'confidential line\n'.repeat(500)}`;
    arena = new Arena({ policy: { version: 1, default: 'deny', fs: { read: { allow: ['notes/**'] } } }, files: { 'notes/plan.md': fileBody } });
    const task = arena.startTask();
    const code = `
      const body = await airlock.fs.readFile('notes/plan.md');
      for (let i = 0; i < 100; i++) console.log(body.slice(0, 8000) + ' ' + i);
      console.log('key ${STRIPE}');
      throw new Error('failed with ${STRIPE} and ' + body);`;
    const r = await arena.enforcer.runScript(task, code);
    assert.equal(r.outcome, 'error');
    assert.equal(r.console?.length, 101, 'the agent still gets its whole console');
    const log = arena.logText();
    assert.equal(log.includes(STRIPE), false, 'no Stripe key from the console or the thrown message');
    const outcome = log.trim().split('\n').map((l) => JSON.parse(l.slice(l.indexOf(' ') + 1)) as Record<string, unknown>)
      .find((e) => e['kind'] === 'outcome' && e['action'] === 'script')!;
    const consoleData = (outcome['data'] as { console: { lines: number; digest: string; excerpt: { text: string }[] } }).console;
    assert.equal(consoleData.lines, 101);
    assert.match(consoleData.digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(consoleData.excerpt.length, CONSOLE_EXCERPT_LINES);
    for (const line of consoleData.excerpt) assert.ok(line.text.length < CONSOLE_EXCERPT_CHARS + 40, `excerpt line of ${line.text.length}`);
    assert.ok((outcome['error'] as { message: string }).message.length < 600, 'the thrown message is bounded');
    assert.ok(Buffer.byteLength(JSON.stringify(outcome)) < 4096, `the outcome entry is small: ${Buffer.byteLength(JSON.stringify(outcome))} bytes`);
    assert.ok(log.split('confidential line').length - 1 < 100, 'only excerpts of the file contents are in the log (verbatim: 44,000 copies)');
  });

  it('detects vendor keys from the maintained rule set, and leaves ordinary text alone', () => {
    const samples: [string, string][] = [
      [`stripe ${STRIPE}`, 'stripe-access-token'],
      [`rk_live_${'a1B2c3D4e5F6g7H8'.repeat(2)}`, 'stripe-access-token'],
      [`npm_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}`, 'npm-access-token'],
      [`AIza${'SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY'}`, 'gcp-api-key'],
      [`glpat-${'x7Yz9AbC2dEf4GhIj6Kl'}`, 'gitlab-pat'],
    ];
    for (const [text, kind] of samples) assert.ok(redactString(text).includes(`[redacted:${kind}]`), `${kind}: ${redactString(text)}`);
    for (const plain of ['src/tokenizer/index.ts', 'npm run build -- --watch', 'fs.read "src/a.ts" is allowed by workspace policy fs.read.allow[0] "src/**".']) {
      assert.equal(redactString(plain), plain);
    }
  });
});
