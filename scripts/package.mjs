// `npm run package`: builds the bundles, stages isolated-vm's runtime and prebuilt binaries next to the harness, and
// writes airlock-<version>.vsix with @vscode/vsce (dependencies are bundled, so vsce packs no node_modules itself).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64'];

execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });

// dist/harness.mjs imports isolated-vm, which Node resolves from dist/node_modules/ inside the installed extension.
const staged = path.join(root, 'dist', 'node_modules');
fs.rmSync(staged, { recursive: true, force: true });
const copy = (from, to) => fs.cpSync(path.join(root, 'node_modules', from), path.join(staged, to), { recursive: true });
for (const f of ['package.json', 'isolated-vm.js', 'LICENSE']) copy(`isolated-vm/${f}`, `isolated-vm/${f}`);
for (const p of PLATFORMS) {
  const dir = path.join(root, 'node_modules', 'isolated-vm', 'prebuilds', p);
  if (!fs.existsSync(dir)) throw new Error(`isolated-vm has no prebuilt binaries for ${p} in ${dir}: run npm ci`);
  copy(`isolated-vm/prebuilds/${p}`, `isolated-vm/prebuilds/${p}`);
}
for (const f of ['package.json', 'index.js', 'node-gyp-build.js', 'LICENSE']) copy(`node-gyp-build/${f}`, `node-gyp-build/${f}`);

// The agent hook the extension's "Connect Agents…" writes into agents' settings (dist/hook.js, loading dist/hook-main.js) finds the shell parser and
// the bash grammar, both WebAssembly, next to it.
for (const f of ['package.json', 'tree-sitter.js', 'tree-sitter.cjs', 'tree-sitter.wasm', 'LICENSE']) copy(`web-tree-sitter/${f}`, `web-tree-sitter/${f}`);
for (const f of ['package.json', 'tree-sitter-bash.wasm', 'LICENSE']) copy(`tree-sitter-bash/${f}`, `tree-sitter-bash/${f}`);

// package.json's "files" (what npm publishes) and .vscodeignore (what the .vsix holds) differ, and vsce refuses a folder
// with both: package from a staged copy holding only what the .vsix needs, with "files" taken out of its manifest.
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-vsix-'));
try {
  const { files: _npmFiles, ...manifest } = pkg;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of ['.vscodeignore', 'README.md', 'LICENSE', 'media', 'policies', 'dist']) {
    if (fs.existsSync(path.join(root, f))) fs.cpSync(path.join(root, f), path.join(stage, f), { recursive: true });
  }
  const out = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
  execFileSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--out', out],
    { cwd: stage, stdio: 'inherit' });
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
const out = path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const bytes = fs.statSync(out).size;
console.log(`packaged ${path.relative(root, out)}: ${(bytes / 1024 / 1024).toFixed(1)} MB`);
