// Verification without the head: a log cut short and copied without its head file must not pass as intact (exit 1
// unless --no-head, which says the end was not checked); a torn last line is reported as torn; `airlock log` warns
// when the file does not verify.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runAirlock } from '../support/cli.js';
import { tempDir, writeSmallLog } from '../log/helpers.js';
import { headFileOf } from '../../sandbox/log/paths.js';

describe('adversarial: verification without the head', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  let keyDir: string;
  before(() => {
    dir = tempDir();
    ({ file, keyDir } = writeSmallLog(dir, { entries: 8, every: 4 }));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The log cut after its first `keep` lines, at a line boundary, written to `name` (without a head file). */
  const cutCopy = (name: string, keep: number): string => {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const copy = path.join(dir, name);
    fs.writeFileSync(copy, `${lines.slice(0, keep).join('\n')}\n`);
    return copy;
  };

  it('a truncated copy without its head fails, saying truncation cannot be checked; --no-head accepts it and says so', async () => {
    const copy = cutCopy('cut.jsonl', 5);
    assert.equal(fs.existsSync(headFileOf(copy)), false);
    const strict = await runAirlock(['verify', copy, '--key-dir', keyDir]);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stderr, /head kept apart from the log .* is missing, so whether entries were cut from the end cannot be checked/);
    const json = await runAirlock(['verify', copy, '--key-dir', keyDir, '--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { ok: boolean; head: string; problem: { kind: string } };
    assert.deepEqual([report.ok, report.head, report.problem.kind], [false, 'missing', 'head-missing']);
    const lenient = await runAirlock(['verify', copy, '--key-dir', keyDir, '--no-head']);
    assert.equal(lenient.code, 0, lenient.stderr);
    assert.match(lenient.stdout, /truncation at the end was NOT checked/);
    // With its head, the same cut is named for what it is.
    fs.copyFileSync(headFileOf(file), headFileOf(copy));
    const withHead = await runAirlock(['verify', copy, '--key-dir', keyDir]);
    assert.equal(withHead.code, 1);
    assert.match(withHead.stderr, /truncated/);
  });

  it('reports a torn last line as torn, even when the head already names the torn entry', async () => {
    const bytes = fs.readFileSync(file);
    const torn = path.join(dir, 'torn.jsonl');
    fs.writeFileSync(torn, bytes.subarray(0, bytes.length - 40)); // the last line loses its end and its newline
    fs.copyFileSync(headFileOf(file), headFileOf(torn));
    const r = await runAirlock(['verify', torn, '--key-dir', keyDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /torn last line/);
  });

  it('airlock log warns when the file does not verify, and still prints its entries', async () => {
    const copy = cutCopy('cut-for-log.jsonl', 6);
    const r = await runAirlock(['log', copy, '--key-dir', keyDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: .*cut-for-log\.jsonl does not verify/m);
    assert.equal(r.stdout.trim().split('\n').length, 6);
    const intact = await runAirlock(['log', file, '--key-dir', keyDir]);
    assert.equal(intact.stderr, '', 'no warning for a log that verifies');
  });
});
