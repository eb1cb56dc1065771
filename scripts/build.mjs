// Bundles the CLI/harness (dist/cli.js) and the agent hook (dist/hook.js) with esbuild; dependencies stay external.
// The hook is its own bundle so that every agent tool call starts only what its decision needs (no isolated-vm).
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node22', sourcemap: 'linked', packages: 'external', logLevel: 'warning' };
await build({ ...common, entryPoints: ['sandbox/cli/main.ts'], outfile: 'dist/cli.js' });
await build({ ...common, entryPoints: ['sandbox/hooks/main.ts'], outfile: 'dist/hook.js' });
