// `airlock hooks serve` (Claude Code's http hook endpoint) as a real child process, started from source and stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot, tsxLoader } from './cli.js';

export interface ServeChild { child: ChildProcess; port: number; out: () => string }

/** Starts `airlock hooks serve` with the given environment; resolves once it says where it listens. */
export function startServe(env: NodeJS.ProcessEnv, args: string[] = []): Promise<ServeChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', '--import', tsxLoader, path.join(repoRoot, 'sandbox', 'cli', 'main.ts'), 'hooks', 'serve', ...args], {
      cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', AIRLOCK_BASELINE_POLICY: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/hooks\/claude-code/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), out: () => out });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`airlock hooks serve exited with ${code} before listening:\n${out}`)));
  });
}

/** Stops a served endpoint (SIGTERM) and resolves with its exit code once it has exited. */
export function stopServe(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(child.exitCode); return; }
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
