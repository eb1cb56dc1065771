// A real pipeline to time: a temp workspace with a 4 KB file, a policy and task that allow the benchmarked actions,
// an action log (its own key dir) outside the workspace, an Enforcer, and a loopback HTTP server. `close()` removes all.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ActionLog } from '../sandbox/log/writer.js';
import type { Enforcer } from '../sandbox/pipeline/enforcer.js';
import type { CompiledPolicy } from '../sandbox/policy/compile.js';
import type { Scope } from '../sandbox/policy/schema.js';
import type { AirlockLib } from './build.js';

export const FILE_BYTES = 4096;
export const READ_PATH = 'data/file-4k.txt';
export const WRITE_PATH = 'out/written.txt';
/** The small program both exec sides run. */
export const EXEC_ARGV = ['echo', 'hello'];

export interface Fixture {
  base: string;
  workspace: string;
  home: string;
  logDir: string;
  keyDir: string;
  content: string;
  url: string;
  policy: CompiledPolicy;
  log: ActionLog;
  enforcer: Enforcer;
  taskId: string;
  close(): Promise<void>;
}

function startServer(body: string): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

export async function openFixture(lib: AirlockLib): Promise<Fixture> {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-')));
  const workspace = path.join(base, 'ws');
  const home = path.join(base, 'home');
  const logDir = path.join(base, 'logs');
  const keyDir = path.join(base, 'keys');
  for (const d of [workspace, home, logDir, path.join(workspace, 'data'), path.join(workspace, 'out')]) fs.mkdirSync(d, { recursive: true });
  const content = 'x'.repeat(FILE_BYTES - 1) + '\n';
  fs.writeFileSync(path.join(workspace, READ_PATH), content);

  const server = await startServer('y'.repeat(1023) + '\n');
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/data`;
  // Loopback is a special address: only a rule naming the IP opens it (Airlock's SSRF rule), so the rule names it.
  const scope: Scope = {
    fs: { read: { allow: ['**'] }, write: { allow: ['out/**'] } },
    net: { allow: [`http://127.0.0.1:${port}/**`] },
    exec: { allow: [EXEC_ARGV, ['node', '--version']] },
  };
  const loaded = lib.loadPolicy({
    workspaceRoot: workspace, homeDir: home, inline: { version: 1, default: 'deny', ...scope }, inlineName: 'bench-policy.json',
    protectedPaths: [logDir],
  });
  if (!loaded.ok) {
    server.close();
    throw new Error(`bench policy does not load: ${loaded.problems.map((p) => p.message).join('; ')}`);
  }
  const policy = loaded.policy;
  const log = lib.ActionLog.open({ file: path.join(logDir, 'bench.jsonl'), session: 'bench', policyHash: policy.hash, keyDir });
  const enforcer = new lib.Enforcer({ policy, log, prompter: lib.denyAllPrompter, session: 'bench' });
  const taskId = enforcer.startTask({ intent: 'benchmark', scope }).id;
  return {
    base, workspace, home, logDir, keyDir, content, url, policy, log, enforcer, taskId,
    async close() {
      await enforcer.close();
      log.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // fetch keeps connections alive; close() alone would wait for them
      await closed;
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}
