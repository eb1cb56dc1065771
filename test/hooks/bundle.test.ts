// The hook bundle (dist/hook.js, as scripts/build.mjs builds it) loads nothing the decision does not need.
import assert from 'node:assert/strict';
import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from '../support/cli.js';

describe('hook bundle', () => {
  it('leaves out isolated-vm, the isolate, the guards and the CLI', async () => {
    const result = await build({
      entryPoints: [path.join(repoRoot, 'sandbox', 'hooks', 'main.ts')], bundle: true, platform: 'node', format: 'esm',
      packages: 'external', write: false, metafile: true, logLevel: 'silent', outfile: 'hook.js',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    assert.ok(inputs.some((i) => i.includes('sandbox/hooks/main.ts')));
    for (const banned of ['sandbox/isolate/', 'sandbox/guards/', 'sandbox/cli/', 'sandbox/session/']) {
      assert.deepEqual(inputs.filter((i) => i.includes(banned)), [], `${banned} is in the hook bundle`);
    }
    assert.ok(!imports.includes('isolated-vm'), 'isolated-vm is imported by the hook bundle');
    assert.ok(!imports.includes('commander'), 'commander is imported by the hook bundle');
  });
});
