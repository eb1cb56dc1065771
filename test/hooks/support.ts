// Runs the real `airlock hook <agent>` process (from source) with a hook input on stdin, in an isolated state directory;
// in-process (AIRLOCK_HOOK_SERVER=off) unless the env says otherwise (test/hooks/server.test.ts runs it with the server).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { HarnessClient } from '../../src/harness/client.js';
import type { ApprovalAnswer, ApprovalRequest } from '../../sandbox/pipeline/types.js';
import { hostCommand } from '../support/harness.js';
import { repoRoot, tsxLoader } from '../support/cli.js';

export interface HookRun { code: number | null; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

export function runHook(agent: string, input: unknown, env: NodeJS.ProcessEnv, extraArgs: string[] = []): Promise<HookRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', '--import', tsxLoader, path.join(repoRoot, 'sandbox', 'hooks', 'entry.ts'), agent, ...extraArgs], {
      cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', AIRLOCK_BASELINE_POLICY: '', AIRLOCK_HOOK_SERVER: 'off', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown> | undefined;
      try { json = stdout.trim() ? JSON.parse(stdout) as Record<string, unknown> : undefined; } catch { json = undefined; }
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(typeof input === 'string' ? input : JSON.stringify(input));
  });
}

export const SECRET = 'sk-live-THE-SECRET-VALUE-42';

/** A workspace with a policy, a secret and source files, and a state directory of its own (logs, tasks, gateway). */
export function makeWorkspace(policy: Record<string, unknown> | string = {
  version: 1, extends: ['airlock:default'],
  fs: { write: { allow: ['src/**'] } },
  exec: { allow: [['ls', '**'], ['cat', '**'], ['grep', '**'], ['npm', 'test']], deny: [['rm', '-rf', '**']] },
  tools: { allow: ['docs/*'], deny: ['github/delete_*'] },
}): { root: string; state: string; env: NodeJS.ProcessEnv; cleanup(): void } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-hook-')));
  const root = path.join(base, 'ws');
  fs.mkdirSync(path.join(root, '.airlock'), { recursive: true });
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, '.airlock', 'policy.json'), typeof policy === 'string' ? policy : JSON.stringify(policy, null, 2));
  fs.writeFileSync(path.join(root, '.env'), `API_KEY=${SECRET}\n`);
  fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  const state = path.join(base, 'state');
  return {
    root, state,
    env: { AIRLOCK_STATE_DIR: state, XDG_CONFIG_HOME: path.join(base, 'config'), HOME: path.join(base, 'home') },
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
}

/** Every log line the hook wrote for this workspace (the per-session logs), parsed. */
export function hookLogEntries(state: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.jsonl')) {
        for (const line of fs.readFileSync(p, 'utf8').split('\n')) if (line) out.push(JSON.parse(line.slice(line.indexOf(' ') + 1)) as Record<string, unknown>);
      }
    }
  };
  if (fs.existsSync(state)) walk(state);
  return out;
}

/**
 * The editor's harness for a hook workspace: the extension's own client starts `airlock host` (its gateway serves the
 * workspace's hooks) and answers each approval with what `answer` says (a script stands for the person).
 */
export async function startEditorHarness(ws: { root: string; state: string; env: NodeJS.ProcessEnv }, answer: (request: ApprovalRequest) => ApprovalAnswer['answer']): Promise<HarnessClient> {
  const harness = new HarnessClient({
    command: hostCommand(path.join(ws.state, 'keys')), cwd: repoRoot,
    env: { ...process.env, NODE_OPTIONS: '', ...ws.env, AIRLOCK_BASELINE_POLICY: '' },
    onApproval: (request) => Promise.resolve({ answer: answer(request) }),
  });
  const init = await harness.initialize({ workspaceRoot: ws.root });
  assert.ok(init.gateway, JSON.stringify(init.problems));
  return harness;
}
