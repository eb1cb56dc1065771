// The hook bundle (dist/hook.js, as scripts/build.mjs builds it) loads nothing the decision does not need.
import assert from 'node:assert/strict';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../support/cli.js';

describe('hook bundle', () => {
  it('leaves out isolated-vm, the isolate, the guards and the CLI', async () => {
    // As scripts/build.mjs builds dist/hook-main.js: its packages inside, the bash grammar outside.
    const result = await build({
      entryPoints: [path.join(repoRoot, 'sandbox', 'hooks', 'main.ts')], bundle: true, platform: 'node', format: 'esm',
      external: ['web-tree-sitter', 'tree-sitter-bash'], mainFields: ['module', 'main'], write: false, metafile: true, logLevel: 'silent', outfile: 'hook-main.js',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    assert.ok(inputs.some((i) => i.includes('sandbox/hooks/main.ts')));
    for (const banned of ['sandbox/isolate/', 'sandbox/guards/', 'sandbox/cli/', 'sandbox/session/', 'node_modules/isolated-vm/', 'node_modules/commander/']) {
      assert.deepEqual(inputs.filter((i) => i.includes(banned)), [], `${banned} is in the hook bundle`);
    }
    // Nothing is resolved from node_modules at run time but the bash grammar (only for shell tools).
    const packages = imports.filter((i) => !isBuiltin(i));
    assert.deepEqual([...new Set(packages)].sort(), ['web-tree-sitter'], `the hook bundle imports packages at run time: ${packages.join(', ')}`);
  });

  it('dist/hook.js is a thin client of node: builtins (no zod, no bundle) that turns on the compile cache before loading the bundle', async () => {
    const result = await build({
      entryPoints: [path.join(repoRoot, 'sandbox', 'hooks', 'entry.ts')], bundle: true, platform: 'node', format: 'esm',
      write: false, metafile: true, logLevel: 'silent', outfile: 'hook.js',
    });
    assert.deepEqual(Object.keys(result.metafile.inputs).sort(), ['sandbox/hooks/entry.ts', 'sandbox/hooks/hookd.ts', 'sandbox/hooks/output.ts', 'sandbox/log/stateDir.ts']);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => !i.external || !isBuiltin(i.path)).map((i) => i.path));
    assert.deepEqual(imports, [], `the thin client imports more than node: builtins: ${imports.join(', ')}`);
    assert.ok(result.outputFiles[0]!.text.length < 20_000, `the thin client is ${result.outputFiles[0]!.text.length} bytes`);
    assert.match(result.outputFiles[0]!.text, /enableCompileCache/);
  });
});
