#!/usr/bin/env -S node --no-node-snapshot
// Entry point of the `airlock` command: runs the bundled CLI (built by `npm ci` through the prepare script).
// isolated-vm requires --no-node-snapshot on Node 20+; the shebang passes it, and so does every spawn of the harness.
import '../dist/cli.js';
