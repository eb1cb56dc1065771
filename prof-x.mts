import { decide, loadPolicy } from './bench/airlock.js';
import { benchRoots, smallPolicy, largePolicy, SMALL_SAMPLES, LARGE_SAMPLES } from './bench/decisions/policies.js';
const lib = { decide, loadPolicy } as any;
const roots = benchRoots();
const which = process.argv[2] ?? 'both';
const secs = Number(process.argv[3] ?? '0');
function time(name: string, policy: any, samples: readonly any[]) {
  const n = samples.length;
  for (let i = 0; i < 200000; i++) decide(policy, null, [], samples[i % n].action);
  const res: number[] = [];
  for (let r = 0; r < 15; r++) {
    const N = 200000;
    const t = process.hrtime.bigint();
    let sink: any;
    for (let i = 0; i < N; i++) sink = decide(policy, null, [], samples[i % n].action);
    res.push(Number(process.hrtime.bigint() - t) / 1000 / N);
    if (sink === 1) console.log('x');
  }
  res.sort((a, b) => a - b);
  console.log(name, 'median', res[7]!.toFixed(3), 'min', res[0]!.toFixed(3), 'µs');
  if (secs) { const end = Date.now() + secs * 1000; let i = 0; while (Date.now() < end) for (let k = 0; k < 10000; k++, i++) decide(policy, null, [], samples[i % n].action); }
}
try {
  if (which !== 'large') time('small', smallPolicy(lib, roots), SMALL_SAMPLES);
  if (which !== 'small') time('large', largePolicy(lib, roots), LARGE_SAMPLES);
} finally { roots.remove(); }
