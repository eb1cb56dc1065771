// The entry of dist/hook.js: turns on Node's compile cache before loading the hook bundle (dist/hook-main.js), so an
// agent's every tool call reuses V8's compiled code. The cache lives in Airlock's own state directory (0700, a built-in
// protected path), never in a shared temporary folder where another user could plant code.
import fs from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** `$AIRLOCK_STATE_DIR`, else `$XDG_STATE_HOME/airlock`, else `~/.local/state/airlock` (as sandbox/log/paths.ts). */
function stateDir(): string {
  const override = process.env['AIRLOCK_STATE_DIR'];
  if (override) return path.resolve(override);
  const xdg = process.env['XDG_STATE_HOME'];
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state'), 'airlock');
}

try {
  const dir = path.join(stateDir(), 'compile-cache');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.statSync(dir);
  // Only a cache folder that is ours and closed to others is used; anything else runs without the cache.
  const ours = typeof process.getuid !== 'function' || (st.uid === process.getuid() && (st.mode & 0o077) === 0);
  if (ours && typeof module.enableCompileCache === 'function') module.enableCompileCache(dir);
} catch {
  // No cache: slower, same answer.
}

// A computed specifier, so the bundler leaves the bundle as its own file (loaded after the cache is on).
const main = './hook-main.js';
try {
  await import(main);
} catch (err) {
  // Fail closed: exit 2 blocks the call for the agents that honour it (Claude Code, Codex, Gemini CLI, VS Code).
  process.stderr.write(`Airlock denied this tool call: the hook could not load (${err instanceof Error ? err.message : String(err)}); reinstall airlock (npm ci runs the build)\n`);
  process.exit(2);
}
