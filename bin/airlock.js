#!/usr/bin/env -S node --no-node-snapshot
// Entry point of the `airlock` command: checks the runtime first, then runs the bundled CLI (dist/cli.js, built by
// `npm ci` through the prepare script). isolated-vm 6.2.0 ships native builds only for Node 22 and 24 (ABI 127 and 137)
// on linux-x64, linux-arm64, darwin-arm64 and win32-x64, and needs --no-node-snapshot: on any other Node this re-runs
// itself on the `node` package's binary when one is installed, else prints one line saying what it needs. Plain
// JavaScript that any Node since 14 can parse, so the check itself never crashes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const EXIT_FATAL = 4;

const SUPPORTED = { 127: 22, 137: 24 };
const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64'];
const self = fileURLToPath(import.meta.url);
const require = createRequire(import.meta.url);

function fail(message) {
  process.stderr.write(`airlock: ${message}\n`);
  process.exit(EXIT_FATAL);
}

/** The Node major this runtime can load isolated-vm with, or undefined. */
function supportedMajor(versions, platform, arch) {
  const major = SUPPORTED[versions.modules];
  return major !== undefined && PLATFORMS.includes(`${platform}-${arch}`) ? major : undefined;
}

/** The `node` package's binary, resolved from this package's own location (not the current directory), if installed. */
function bundledNode() {
  try {
    const dir = path.dirname(require.resolve('node/package.json'));
    const bin = path.join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
    return fs.existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** Runs this file again on `node` with --no-node-snapshot, passing the exit code (or signal) through. */
function rerun(node) {
  const result = spawnSync(node, ['--no-node-snapshot', self, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, AIRLOCK_RERUN: '1' },
  });
  if (result.error) fail(`could not run ${node}: ${result.error.message}`);
  if (result.signal) process.kill(process.pid, result.signal);
  process.exit(result.status ?? EXIT_FATAL);
}

/** Checks the runtime (re-running on a suitable Node when it can), then runs the bundled CLI. */
async function runCli() {
  const here = `Node ${process.version} on ${process.platform}-${process.arch}`;
  if (supportedMajor(process.versions, process.platform, process.arch) === undefined) {
    const node = process.env.AIRLOCK_RERUN ? undefined : bundledNode();
    if (node) rerun(node);
    fail(PLATFORMS.includes(`${process.platform}-${process.arch}`)
      ? `needs Node.js 22 or 24 (this is ${here}): isolated-vm 6.2.0 ships native builds only for those. `
        + 'Install Node 24 (e.g. `nvm install 24`), or `npm install --save-dev node@24` next to airlock, and run it again.'
      : `isolated-vm 6.2.0 has no native build for ${process.platform}-${process.arch} (this is ${here}); `
        + `airlock runs on ${PLATFORMS.join(', ')} with Node.js 22 or 24.`);
  }
  if (!process.execArgv.includes('--no-node-snapshot')) {
    // isolated-vm crashes without it on Node 20+; the flag cannot be set from inside a running process.
    if (process.env.AIRLOCK_RERUN) fail('isolated-vm needs --no-node-snapshot and it did not take effect; run `node --no-node-snapshot bin/airlock.js`.');
    rerun(process.execPath);
  }

  const cli = path.join(path.dirname(self), '..', 'dist', 'cli.js');
  if (!fs.existsSync(cli)) fail(`${cli} is missing: run \`npm run build\` (npm ci runs it) in the airlock package.`);
  try {
    await import('../dist/cli.js');
  } catch (err) {
    // A native module that still fails to load (another libc, a broken install): one line, never a stack trace.
    if (/No native build|isolated[-_]vm|\.node\b/i.test(String(err && err.message))) {
      fail(`isolated-vm could not be loaded on ${here}: ${String(err.message).split('\n')[0]}. Reinstall with \`npm ci\` on Node 22 or 24.`);
    }
    throw err;
  }
}

// `airlock hook <agent>` runs on every agent tool call and needs no isolate: it loads only the hook bundle
// (dist/hook.js), on whatever Node runs it, without the re-run below.
if (process.argv[2] === 'hook') await import('../dist/hook.js');
else await runCli();
