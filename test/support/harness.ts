// Starts the real harness (`airlock host`) from source in its own Node process, as the extension does.
import path from 'node:path';
import { HarnessClient, type HarnessClientOptions } from '../../src/harness/client.js';
import { repoRoot, tsxLoader } from './cli.js';

export function hostCommand(keyDir: string): string[] {
  return [process.execPath, '--no-node-snapshot', '--import', tsxLoader, path.join(repoRoot, 'sandbox', 'cli', 'main.ts'), 'host', '--key-dir', keyDir];
}

export function startHarness(stateDir: string, opts: Omit<HarnessClientOptions, 'command'> = {}): HarnessClient {
  return new HarnessClient({
    command: hostCommand(path.join(stateDir, 'keys')),
    cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', XDG_STATE_HOME: stateDir, XDG_CONFIG_HOME: stateDir, AIRLOCK_BASELINE_POLICY: '', AIRLOCK_TEST_SECRET: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' },
    ...opts,
  });
}
