#!/usr/bin/env -S node --no-node-snapshot
// Entry point of the `airlock` command: runs the bundled CLI (built by `npm ci` through the prepare script).
// isolated-vm requires --no-node-snapshot on Node 20+; the shebang passes it, and so does every spawn of the harness.
// `airlock hook <agent>` runs on every agent tool call: it loads only the hook bundle (dist/hook.js).
if (process.argv[2] === 'hook') await import('../dist/hook.js');
else await import('../dist/cli.js');
