// Figure 1: decision latency and decisions/s, Airlock vs Cedar vs casbin, on the preset-sized and the 1,000-rule policy.
import type { Verdict } from '../../sandbox/policy/types.js';
import { roundsFor, type BenchContext, type FigureModule } from '../context.js';
import { compareSides, keep, rateOf, timeSyncBatch, type Side, type Stats } from '../measure.js';
import { figure, type FigureRecord } from '../record.js';
import { airlockEngine, casbinEngine, cedarEngine, type Engine } from './engines.js';
import { benchRoots, countRules, LARGE_SAMPLES, largePolicy, largePolicyDoc, SMALL_SAMPLES, smallPolicy, type Sample } from './policies.js';

// The engines' decision types differ; the figure only passes them from decide() to read().
type AnyEngine = Engine<unknown>;

export interface EquivalenceReport {
  /** Samples on which some engine's verdict differs from the expected one, with what each engine said. */
  mismatches: { sample: string; expect: Verdict; got: Record<string, Verdict> }[];
  /** Per peer engine: samples on which it cites the same rule Airlock cites (its reasons include Airlock's rule). */
  sameRule: Record<string, number>;
  samples: number;
}

function label(s: Sample): string {
  const a = s.action;
  return `${a.kind} ${a.kind === 'exec' ? JSON.stringify(a.argv) : a.kind === 'net.fetch' ? a.url : a.kind === 'tool' ? a.tool : a.path}`;
}

/** Every engine decides every sample; verdicts must all equal the expected one (checked before anything is timed). */
export function checkEquivalence(engines: readonly AnyEngine[], samples: readonly Sample[]): EquivalenceReport {
  const report: EquivalenceReport = { mismatches: [], sameRule: {}, samples: samples.length };
  for (const e of engines.slice(1)) report.sameRule[e.name] = 0;
  for (const s of samples) {
    const got: Record<string, Verdict> = {};
    const cited: Record<string, string[]> = {};
    for (const e of engines) {
      const v = e.read(e.decide(s.action));
      got[e.name] = v.verdict;
      cited[e.name] = v.rules;
    }
    if (Object.values(got).some((v) => v !== s.expect)) report.mismatches.push({ sample: label(s), expect: s.expect, got });
    const airlockRule = cited[engines[0]!.name]?.[0];
    for (const e of engines.slice(1)) {
      if (airlockRule !== undefined && cited[e.name]?.includes(airlockRule)) report.sameRule[e.name]!++;
    }
  }
  return report;
}

/** A round: `reps` passes over the samples; the value is µs per decision. */
function side(engine: AnyEngine, samples: readonly Sample[], reps: number): Side {
  const n = samples.length;
  return { name: engine.name, round: () => timeSyncBatch(reps * n, (i) => engine.decide(samples[i % n]!.action)) };
}

/** How many passes over the samples make a round of about `targetUs` for this engine. */
function repsFor(engine: AnyEngine, samples: readonly Sample[], targetUs: number): number {
  // Warm for ~20 ms so the JIT has settled: a round sized from a cold pass is far too short for a fast engine.
  const warmUntil = process.hrtime.bigint() + 20_000_000n;
  do {
    for (const s of samples) keep(engine.decide(s.action));
  } while (process.hrtime.bigint() < warmUntil);
  const perPass = timeSyncBatch(samples.length, (i) => engine.decide(samples[i]!.action)) * samples.length;
  return Math.max(1, Math.ceil(targetUs / perPass));
}

interface SizeResult { size: string; rules: number; airlock: Stats; peers: { name: string; stats: Stats }[] }

async function measureSize(ctx: BenchContext, size: string, rules: number, engines: readonly AnyEngine[], samples: readonly Sample[], rounds: number, targetUs: number): Promise<SizeResult> {
  const eq = checkEquivalence(engines, samples);
  for (const m of eq.mismatches) {
    ctx.fail(`decision mismatch (${size} policy) on ${m.sample}: expected ${m.expect}, got ${Object.entries(m.got).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  const same = Object.entries(eq.sameRule).map(([k, v]) => `${k} ${v}/${eq.samples}`).join(', ');
  ctx.progress(`  ${size} policy (${rules} rules): ${eq.samples} samples, verdicts ${eq.mismatches.length === 0 ? 'identical in every engine' : `DIFFER on ${eq.mismatches.length}`}; same rule cited as Airlock: ${same}`);
  const sides = engines.map((e) => side(e, samples, repsFor(e, samples, targetUs)));
  const results = await compareSides(sides, { rounds, warmup: 1 });
  return { size, rules, airlock: results[0]!, peers: engines.slice(1).map((e, i) => ({ name: e.name, stats: results[i + 1]! })) };
}

const GOALS: Record<string, Record<string, { text: string; min: number }>> = {
  small: { Cedar: { text: '≥ 50× faster than Cedar', min: 50 } },
  large: { Cedar: { text: '≥ 500× faster than Cedar', min: 500 } },
};

function records(r: SizeResult): FigureRecord[] {
  const out: FigureRecord[] = [];
  const what = r.size === 'small' ? `small policy (node-project preset, ${r.rules} rules)` : `large policy (${r.rules} rules)`;
  const note = 'per decision over a mix of allow/ask/deny requests; Airlock includes its rule and reason sentence, Cedar its reason policy ids, casbin its explain rule';
  for (const p of r.peers) {
    const goal = GOALS[r.size]?.[p.name];
    out.push(figure({
      name: `decision latency, ${what}, vs ${p.name}`, unit: 'µs', airlock: r.airlock, baselineName: p.name, baseline: p.stats,
      ratio: 'speedup', goal: goal?.text ?? 'none stated', ...(goal ? { meets: (ratio) => (ratio === null ? null : ratio >= goal.min) } : {}), note,
    }));
  }
  for (const p of r.peers) {
    out.push(figure({
      name: `decisions/s, ${what}, vs ${p.name}`, unit: 'decisions/s', airlock: rateOf(r.airlock), baselineName: p.name, baseline: rateOf(p.stats),
      ratio: 'share', goal: 'none stated (the latency goal above)', note: 'one thread; p99 is the rate of the slowest 1% of rounds',
    }));
  }
  return out;
}

export const decisionsFigure: FigureModule = {
  id: 'decisions',
  title: '1. Decisions: Airlock vs Cedar vs casbin',
  async run(ctx) {
    const roots = benchRoots();
    try {
      const sizes: SizeResult[] = [];
      {
        const policy = smallPolicy(ctx.airlock.lib, roots);
        const engines = [airlockEngine(ctx.airlock.lib, policy), cedarEngine(policy, roots, policy.default), await casbinEngine(policy, roots, policy.default)] as AnyEngine[];
        const rules = policy.resolved.layers.flatMap((l) => l.sources).reduce((n, s) => n + countRules(s.doc), 0);
        sizes.push(await measureSize(ctx, 'small', rules, engines, SMALL_SAMPLES, roundsFor(ctx, 200, 3), 3000));
      }
      {
        const policy = largePolicy(ctx.airlock.lib, roots);
        const engines = [airlockEngine(ctx.airlock.lib, policy), cedarEngine(policy, roots, policy.default), await casbinEngine(policy, roots, policy.default)] as AnyEngine[];
        sizes.push(await measureSize(ctx, 'large', countRules(largePolicyDoc()), engines, LARGE_SAMPLES, roundsFor(ctx, 30, 1), 20_000));
      }
      return sizes.flatMap(records);
    } finally {
      roots.remove();
    }
  },
};
