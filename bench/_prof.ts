import { airlockEngine, cedarEngine } from './decisions/engines.js';
import { benchRoots, SMALL_SAMPLES, LARGE_SAMPLES, smallPolicy, largePolicy } from './decisions/policies.js';
import { timeSyncBatch } from './measure.js';
import { preparsePolicySet, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
const roots = benchRoots();
for (const [name, pol, samples] of [['small', smallPolicy(roots), SMALL_SAMPLES], ['large', largePolicy(roots), LARGE_SAMPLES]] as const) {
  const a = airlockEngine(pol);
  const c = cedarEngine(pol, roots, 'ask');
  for (const s of samples) {
    for (let i = 0; i < 2000; i++) a.decide(s.action);
    const best = Math.min(...Array.from({ length: 5 }, () => timeSyncBatch(2000, () => a.decide(s.action))));
    const cb = Math.min(...Array.from({ length: 3 }, () => timeSyncBatch(name === 'small' ? 50 : 3, () => c.decide(s.action))));
    console.log(name, best.toFixed(2), cb.toFixed(1), JSON.stringify(s.action));
  }
}
preparsePolicySet('empty', { staticPolicies: { p: 'permit(principal, action, resource);' } });
const t = Math.min(...Array.from({ length: 5 }, () => timeSyncBatch(200, () => statefulIsAuthorized({ principal: { type: 'A', id: 'a' }, action: { type: 'Action', id: 'x' }, resource: { type: 'R', id: 'r' }, context: {}, preparsedPolicySetId: 'empty', entities: [] }))));
console.log('cedar floor', t);
roots.remove();
