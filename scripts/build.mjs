// Bundles the CLI/harness (dist/cli.js) with esbuild; isolated-vm stays external because it is a native module.
import { build } from 'esbuild';

await build({
  entryPoints: ['sandbox/cli/main.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
});
