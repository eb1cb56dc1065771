// Architecture invariant: fuzz properties drive the real modules with random input; a failure prints fast-check's seed and shrunk counterexample.
// Shared pieces of the fuzz suite: run budgets (the whole folder stays well under a minute on 2 cores) and temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compilePolicy, type CompiledPolicy } from '../../sandbox/policy/compile.js';
import type { PolicyDoc } from '../../sandbox/policy/schema.js';
import type { PolicySource } from '../../sandbox/policy/source.js';

/** AIRLOCK_FUZZ_SCALE=20 runs every property 20 times longer, for a deeper hunt than the default budget. */
const SCALE = Math.max(1, Number(process.env['AIRLOCK_FUZZ_SCALE'] ?? 1) || 1);

/** Budgets per property: cheap properties run many cases, ones with many steps per case (or disk writes) fewer. */
export const RUNS = { pure: 2000 * SCALE, medium: 500 * SCALE } as const;

export function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-')));
}

/** Compiles policy documents straight into a policy (no lint: the fuzz checks decisions, even for rules lint calls too broad). */
export function compileDoc(doc: Omit<PolicyDoc, 'version'>): CompiledPolicy {
  const source: PolicySource = { file: '.airlock/policy.json', doc: { version: 1, ...doc }, locate: () => undefined };
  return compilePolicy({ workspaceRoot: '/ws/project', homeDir: '/home/user', layers: [{ layer: 'workspace', sources: [source] }], hash: '0'.repeat(64) },
    { caseInsensitive: false });
}
