// Runs the real `airlock` CLI from source in a child process (Node 24, --no-node-snapshot, TypeScript through tsx).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliEntry = path.join(repoRoot, 'sandbox', 'cli', 'main.ts');
/** Absolute, so the child finds tsx whatever its working directory is. */
export const tsxLoader = import.meta.resolve('tsx');

export interface CliResult { code: number | null; stdout: string; stderr: string }

export function runAirlock(args: readonly string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', '--import', tsxLoader, cliEntry, ...args], {
      cwd: opts.cwd ?? repoRoot,
      // No user baseline leaks in from the machine running the tests, unless a test sets one.
      env: { ...process.env, XDG_CONFIG_HOME: path.join(repoRoot, '.airlock-run', 'no-config'), AIRLOCK_BASELINE_POLICY: '', ...opts.env, NODE_OPTIONS: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}
