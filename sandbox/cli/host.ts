// `airlock host`: runs the harness as a long-lived JSON-RPC server on stdio, for the VS Code extension.
import type { Command } from 'commander';
import { serveHost } from '../host/host.js';
import { HOST_EXIT } from '../protocol/protocol.js';
import { err as printErr } from './print.js';

export function registerHostCommand(program: Command): void {
  program
    .command('host')
    .description('Run the harness as a JSON-RPC 2.0 server on stdin/stdout (used by the VS Code extension). '
      + 'Exit codes: 0 after shutdown, 3 when the transport is lost (everything pending is denied), 4 on a fatal error.')
    .option('--key-dir <dir>', 'where the log signing key lives (default: the user state directory)')
    .action(async (opts: { keyDir?: string }) => {
      // stdout carries the protocol: anything else printed there would corrupt it.
      console.log = console.error;
      console.info = console.error;
      // A bug in the harness must not leave it half-alive: nothing pending runs once the process is gone.
      process.on('uncaughtException', (err) => {
        for (const line of `airlock host: fatal: ${err.stack ?? String(err)}`.split('\n')) printErr(line);
        process.exit(HOST_EXIT.fatal);
      });
      const code = await serveHost({ input: process.stdin, output: process.stdout, ...(opts.keyDir ? { keyDir: opts.keyDir } : {}) });
      // stdout is a pipe, whose writes are asynchronous: let the last responses drain before exiting.
      process.stdout.write('', () => process.exit(code));
    });
}
