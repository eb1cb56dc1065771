// Architecture invariant: fuzz properties drive the real modules with random input; a failure prints fast-check's seed and shrunk counterexample.
// Shared pieces of the fuzz suite: run budgets (the whole folder stays well under a minute on 2 cores) and temp dirs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Budgets per property: cheap pure properties run many cases, ones touching the disk fewer. */
export const RUNS = { pure: 1000, medium: 300, disk: 150 } as const;

export function tempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-')));
}
