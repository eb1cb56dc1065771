// The benchmark's own correctness (never its times): peers decide the samples as Airlock does, stats and ratios are
// computed as documented, and an srt that cannot run is reported as unavailable rather than failing the bench.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lib from '../../bench/airlock.js';
import { checkEquivalence } from '../../bench/decisions/figure.js';
import { airlockEngine, casbinEngine, cedarEngine, type Engine } from '../../bench/decisions/engines.js';
import { benchRoots, countRules, LARGE_SAMPLES, largePolicy, largePolicyDoc, SMALL_SAMPLES, smallPolicy } from '../../bench/decisions/policies.js';
import { cedarLikes, casbinGlobs } from '../../bench/decisions/translate.js';
import { percentile, rateOf, stats } from '../../bench/measure.js';
import { figure } from '../../bench/record.js';
import { makeSetup, srtUnavailable } from '../../bench/session.js';

describe('bench: decision engines', () => {
  let roots: ReturnType<typeof benchRoots>;
  before(() => { roots = benchRoots(); });
  after(() => roots.remove());

  it('Cedar and casbin give the verdict Airlock gives, citing the same rule, on every small-policy sample', async () => {
    const policy = smallPolicy(lib, roots);
    const engines = [airlockEngine(lib, policy), cedarEngine(policy, roots, policy.default), await casbinEngine(policy, roots, policy.default)] as Engine<unknown>[];
    const report = checkEquivalence(engines, SMALL_SAMPLES);
    assert.deepEqual(report.mismatches, []);
    assert.deepEqual(report.sameRule, { Cedar: SMALL_SAMPLES.length, casbin: SMALL_SAMPLES.length });
  });

  it('the large policy has exactly 1,000 rules and every engine agrees on its samples', async () => {
    assert.equal(countRules(largePolicyDoc()), 1000);
    const policy = largePolicy(lib, roots);
    const engines = [airlockEngine(lib, policy), cedarEngine(policy, roots, policy.default), await casbinEngine(policy, roots, policy.default)] as Engine<unknown>[];
    assert.deepEqual(checkEquivalence(engines, LARGE_SAMPLES).mismatches, []);
  });

  it('reports a sample on which an engine disagrees', () => {
    const policy = smallPolicy(lib, roots);
    const airlock = airlockEngine(lib, policy) as Engine<unknown>;
    const contrarian: Engine<unknown> = { name: 'always-allow', decide: () => null, read: () => ({ verdict: 'allow', rules: [] }) };
    const report = checkEquivalence([airlock, contrarian], SMALL_SAMPLES.filter((s) => s.expect === 'deny').slice(0, 2));
    assert.equal(report.mismatches.length, 2);
    assert.equal(report.mismatches[0]!.got['always-allow'], 'allow');
  });

  it('spells out the subtree and the directory itself that Airlock deny globs cover', () => {
    assert.deepEqual(cedarLikes('/w/**/.env*', true).sort(), ['/w/*/.env*', '/w/*/.env*/*', '/w/.env*', '/w/.env*/*'].sort());
    assert.deepEqual(casbinGlobs('/w/.airlock/**', true).sort(), ['/w/.airlock', '/w/.airlock/**', '/w/.airlock/**/**'].sort());
  });
});

describe('bench: statistics and records', () => {
  it('takes nearest-rank percentiles and keeps the spread', () => {
    const s = stats([5, 1, 4, 2, 3, 100]);
    assert.equal(s.median, 3);
    assert.equal(s.p99, 100);
    assert.equal(s.min, 1);
    assert.equal(s.max, 100);
    assert.equal(s.rounds, 6);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
  });

  it('turns a time distribution into a rate distribution, the slow rounds becoming the low rates', () => {
    const r = rateOf(stats([1, 2, 4]));
    assert.deepEqual([r.median, r.p99, r.min, r.max], [500_000, 250_000, 250_000, 1_000_000]);
  });

  it('reads ratios as documented and judges goals on them or on the Airlock median', () => {
    const fast = stats([2]);
    const slow = stats([100]);
    const speedup = figure({ name: 'x', unit: 'µs', airlock: fast, baselineName: 'b', baseline: slow, ratio: 'speedup', goal: '≥ 50×', meets: (r) => (r === null ? null : r >= 50) });
    assert.equal(speedup.ratio, 50);
    assert.equal(speedup.met, true);
    const overhead = figure({ name: 'x', unit: 'µs', airlock: slow, baselineName: 'b', baseline: fast, ratio: 'overhead', goal: '≤ 2×', meets: (r) => (r === null ? null : r <= 2) });
    assert.equal(overhead.ratio, 50);
    assert.equal(overhead.met, false);
    const absolute = figure({ name: 'x', unit: 'ms', airlock: stats([2.5]), baselineName: 'b', baseline: null, ratio: 'speedup', goal: '≤ 3 ms', meets: (_r, m) => m <= 3 });
    assert.equal(absolute.ratio, null);
    assert.equal(absolute.met, true);
    assert.equal(absolute.baseline.median, null);
  });
});

describe('bench: srt availability', () => {
  it('says why srt cannot run when its sandbox tools are missing, instead of throwing', async function () {
    this.timeout(60_000);
    const setup = makeSetup();
    const emptyBin = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-'));
    try {
      const why = await srtUnavailable(setup, { ...process.env, PATH: emptyBin });
      assert.ok(why !== undefined, 'srt must be reported unavailable without bwrap, socat and rg on PATH');
      assert.match(why, /probe command failed|could not be started|did not finish/);
    } finally {
      fs.rmSync(setup.base, { recursive: true, force: true });
      fs.rmSync(emptyBin, { recursive: true, force: true });
    }
  });
});
