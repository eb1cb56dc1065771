// Builds the Airlock code under test the way it ships (esbuild, as scripts/build.mjs builds dist/cli.js) and loads it.
//
// Why not time the TypeScript sources through tsx: tsx compiles with esbuild's keepNames, which wraps every named
// closure in a `__name(fn, "name")` call (an Object.defineProperty each time the closure is created). The shipped
// bundle has no such wrappers; timing through tsx would charge Airlock for a dev-only loader. `--source` does it anyway.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type AirlockLib = typeof import('./airlock.js');

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..');
/** Inside node_modules (ignored by git), so that the bundles resolve isolated-vm and the presets as dist/cli.js does. */
export const BUILD_DIR = path.join(REPO_ROOT, 'node_modules', '.cache', 'airlock-bench');

export interface Built {
  lib: AirlockLib;
  /** The `airlock` CLI entry to run with `node --no-node-snapshot <cli> run ...`. */
  cli: string;
  /** The `airlock hook` bundle (dist/hook.js as built), or null when timing the sources. */
  hook: string | null;
  /** How the code under test was loaded, for the report. */
  how: string;
}

export async function buildAirlock(opts: { source: boolean }): Promise<Built> {
  if (opts.source) {
    return { lib: await import('./airlock.js'), cli: path.join(REPO_ROOT, 'sandbox', 'cli', 'main.ts'), hook: null, how: 'TypeScript sources through tsx (--source)' };
  }
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  await build({
    entryPoints: { airlock: path.join(HERE, 'airlock.ts'), cli: path.join(REPO_ROOT, 'sandbox', 'cli', 'main.ts') },
    outdir: BUILD_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    logLevel: 'warning',
  });
  // The hook exactly as scripts/build.mjs builds dist/hook.js: the thin client (hook-main.js next to it), and one bundle with
  // its packages (the in-process hook and the hook server).
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node22', logLevel: 'warning', define: { __AIRLOCK_HOOK_BUILD__: JSON.stringify(`bench-${Date.now()}`) } } as const;
  await build({ ...common, entryPoints: [path.join(REPO_ROOT, 'sandbox', 'hooks', 'entry.ts')], outfile: path.join(BUILD_DIR, 'hook.mjs') });
  await build({
    ...common, entryPoints: [path.join(REPO_ROOT, 'sandbox', 'hooks', 'main.ts')], outfile: path.join(BUILD_DIR, 'hook-main.js'),
    external: ['web-tree-sitter', 'tree-sitter-bash'], mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);" },
  });
  const lib = (await import(pathToFileURL(path.join(BUILD_DIR, 'airlock.mjs')).href)) as AirlockLib;
  return { lib, cli: path.join(BUILD_DIR, 'cli.mjs'), hook: path.join(BUILD_DIR, 'hook.mjs'), how: 'esbuild bundle of the current sources, built like dist/cli.js' };
}
