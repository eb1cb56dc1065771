// Bundles with esbuild: the CLI (dist/cli.js, packages external, for `npx airlock`), the agent hook (dist/hook.js: a
// thin client of the hook server, and dist/hook-main.js, so that an agent's tool call starts only what it needs, no isolated-vm), the harness the
// extension starts (dist/harness.mjs, everything bundled but the native isolated-vm) and the extension (dist/extension.cjs).
// The log panel's webview (media/) gets its script, its styles and the codicon font, and nothing else.
import { build } from 'esbuild';
import crypto from 'node:crypto';
import fs from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node22', logLevel: 'warning' };
// jsonc-parser's "main" is a UMD build with dynamic requires esbuild cannot follow: prefer ES module entries.
const bundled = { mainFields: ['module', 'main'] };
/** The hook bundle's options (bench/build.ts builds the same). */
// One id for both hook files of this build: a thin client talks only to a hook server of the very same build.
const hookBuild = { define: { __AIRLOCK_HOOK_BUILD__: JSON.stringify(crypto.randomUUID()) } };
const hookBundle = {
  ...hookBuild,
  format: 'esm', external: ['web-tree-sitter', 'tree-sitter-bash'], ...bundled,
  banner: { js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);" },
};

await Promise.all([
  build({
    ...common, entryPoints: ['sandbox/cli/main.ts'], outfile: 'dist/cli.js', format: 'esm', sourcemap: 'linked', packages: 'external',
  }),
  // The hook: a thin client (dist/hook.js, node: builtins only) that asks this user's hook server, else turns on Node's
  // compile cache and loads one self-contained bundle (dist/hook-main.js: the in-process hook and the server) with its
  // packages inside, so a hook process resolves no package at run time. Only the bash grammar stays outside:
  // web-tree-sitter finds its .wasm next to its own file, and it loads only for shell tools. The .vsix ships the same
  // two files (scripts/package.mjs puts the grammar in dist/node_modules).
  build({ ...common, ...hookBuild, entryPoints: ['sandbox/hooks/entry.ts'], outfile: 'dist/hook.js', format: 'esm' }),
  build({ ...common, ...hookBundle, entryPoints: ['sandbox/hooks/main.ts'], outfile: 'dist/hook-main.js', sourcemap: 'linked' }),
  build({
    ...common, entryPoints: ['sandbox/cli/main.ts'], outfile: 'dist/harness.mjs', format: 'esm', sourcemap: 'linked',
    external: ['isolated-vm'], ...bundled,
    // Bundled CommonJS dependencies call require(); give the ES module one.
    banner: { js: "import { createRequire as __airlockCreateRequire } from 'node:module'; const require = __airlockCreateRequire(import.meta.url);" },
  }),
  build({
    ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.cjs', format: 'cjs', sourcemap: 'linked',
    external: ['vscode'], ...bundled, minify: true, keepNames: true,
  }),
]);

await build({
  entryPoints: ['src/panel/webview/main.ts'], outfile: 'media/panel.js', bundle: true, platform: 'browser', format: 'iife',
  target: 'chrome120', minify: true, sourcemap: false, logLevel: 'warning',
});
fs.copyFileSync('src/panel/webview/panel.css', 'media/panel.css');
for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `media/${f}`);
