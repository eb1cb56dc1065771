// compilePolicy: merged scalars (default, limits, approval), task templates, and errors for bad patterns.
import assert from 'node:assert/strict';
import { AirlockError } from '../../sandbox/errors.js';
import { DEFAULT_LIMITS } from '../../sandbox/policy/schema.js';
import { layered, resolved, ws } from './decide.fixtures.js';
import { compilePolicy } from '../../sandbox/policy/compile.js';

describe('compilePolicy', () => {
  it('the default is the strictest across layers; within a layer the extending file wins', () => {
    assert.equal(ws({}).default, 'ask');
    assert.equal(layered({ baseline: [{ version: 1, default: 'deny' }], workspace: [{ version: 1, default: 'ask' }] }).default, 'deny');
    assert.equal(layered({ workspace: [{ version: 1, default: 'deny' }, { version: 1, default: 'ask' }] }).default, 'ask');
  });

  it('limits: defaults, overridden; across layers the smaller value wins', () => {
    assert.deepEqual(ws({}).limits, DEFAULT_LIMITS);
    const p = layered({
      baseline: [{ version: 1, limits: { memoryMb: 64, cpuMs: 9000 } }],
      workspace: [{ version: 1, limits: { memoryMb: 256, wallMs: 1000 } }, { version: 1, limits: { memoryMb: 512 } }],
    });
    assert.deepEqual(p.limits, { ...DEFAULT_LIMITS, memoryMb: 64, cpuMs: 9000, wallMs: 1000 });
    assert.equal(ws({ limits: { memoryMb: 1024 } }).limits.memoryMb, 1024);
    assert.deepEqual(ws({ approval: { timeoutSeconds: 5 } }).approval, { timeoutSeconds: 5, onTimeout: 'deny' });
    assert.deepEqual(ws({}).approval, { timeoutSeconds: 60, onTimeout: 'deny' });
  });

  it('lists task templates with their file and JSON path', () => {
    const p = ws({ tasks: { docs: { intent: 'Docs', scope: {} } } });
    assert.deepEqual(p.tasks.docs, { intent: 'Docs', scope: {}, ttlSeconds: 3600, file: '.airlock/policy.json', jsonPath: 'tasks.docs' });
    assert.equal(p.hash, p.resolved.hash);
  });

  it('a bad glob or pattern is an error with its place, never silently ignored', () => {
    assert.throws(() => ws({ exec: { deny: [['**', 'x']] } }), (e: unknown) => e instanceof AirlockError && e.place?.jsonPath === 'exec.deny[0]');
    assert.throws(() => ws({ tasks: { t: { intent: 'x', scope: { net: { allow: ['bad'] } } } } }),
      (e: unknown) => e instanceof AirlockError && e.place?.jsonPath === 'tasks.t.scope.net.allow[0]');
  });

  it('compiles an empty resolved policy (no layers): nothing is allowed', () => {
    const p = compilePolicy({ ...resolved({}), layers: [] });
    assert.equal(p.default, 'ask');
  });
});
