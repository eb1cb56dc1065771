// Bundles the CLI/harness (dist/cli.js) and the log panel's webview (media/) with esbuild; isolated-vm stays external
// because it is a native module. The webview gets its script, its styles and the codicon font, and nothing else.
import { build } from 'esbuild';
import fs from 'node:fs';

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

await build({
  entryPoints: ['src/panel/webview/main.ts'],
  outfile: 'media/panel.js',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  minify: true,
  sourcemap: false,
  logLevel: 'warning',
});
fs.copyFileSync('src/panel/webview/panel.css', 'media/panel.css');
for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `media/${f}`);
