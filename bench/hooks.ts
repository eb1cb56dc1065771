// Agent hooks: a whole `airlock hook` round trip (process start to answer) vs a bare `node -e 0` start, through the hook
// server (the thin client) and in-process (AIRLOCK_HOOK_SERVER=off); and a hook's question through the host's gateway
// socket (decided in the Enforcer, logged) vs a bare loopback HTTP round trip.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { roundsFor, type FigureModule } from './context.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure } from './record.js';

/** Runs a process to its exit with `input` on stdin; returns the milliseconds and stdout. */
function timeProcess(args: string[], input: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.on('error', reject);
    child.on('close', () => resolve({ ms: usSince(start) / 1000, stdout }));
    child.stdin.end(input);
  });
}

function workspace(): { base: string; root: string; env: NodeJS.ProcessEnv } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-hook-')));
  const root = path.join(base, 'ws');
  fs.mkdirSync(path.join(root, '.airlock'), { recursive: true });
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  fs.writeFileSync(path.join(root, '.airlock', 'policy.json'), JSON.stringify({ version: 1, extends: ['airlock:default'], exec: { allow: [['ls', '**']] } }));
  return { base, root, env: { ...process.env, NODE_OPTIONS: '', AIRLOCK_STATE_DIR: path.join(base, 'state'), AIRLOCK_BASELINE_POLICY: '', XDG_CONFIG_HOME: path.join(base, 'config') } };
}

const claude = (cwd: string, tool: string, input: unknown, id: string) => JSON.stringify({
  session_id: 'bench', transcript_path: '/tmp/t', cwd, permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input, tool_use_id: id,
});

/** One request on a hook server's socket (status or stop), or undefined when nothing answers there. */
function ask(socket: string, op: 'status' | 'stop'): Promise<{ pid: number; calls: number } | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const c = net.createConnection(socket, () => c.end(`${JSON.stringify({ v: 1, op })}\n`));
    c.setEncoding('utf8').on('data', (d: string) => { text += d; });
    c.on('error', () => resolve(undefined));
    c.on('close', () => { try { resolve(JSON.parse(text) as { pid: number; calls: number }); } catch { resolve(undefined); } });
  });
}

/** The one hook server under the bench's state directory, once it answers. */
async function hookServer(state: string): Promise<{ socket: string; pid: number; calls: number }> {
  const dir = path.join(state, 'hookd');
  for (let i = 0; i < 200; i++) {
    for (const n of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.sock')) : []) {
      const status = await ask(path.join(dir, n), 'status');
      if (status) return { socket: path.join(dir, n), ...status };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the hook server did not start after the first hook call');
}

export const hooksFigure: FigureModule = {
  id: 'hooks',
  title: '8. Agent hooks (airlock hook process; the gateway socket)',
  async run(ctx) {
    const out = [];
    const ws = workspace();
    try {
      const hook = ctx.airlock.hook;
      let n = 0;
      const bare: Side = { name: 'node -e 0', round: async () => (await timeProcess(['-e', '0'], '', ws.env)).ms };
      const side = (tool: string, input: unknown, expect: string, env: NodeJS.ProcessEnv = ws.env): Side => ({
        name: `airlock hook claude-code (${tool})`,
        round: async () => {
          if (!hook) throw new Error('no hook bundle');
          const r = await timeProcess([hook, 'claude-code'], claude(ws.root, tool, input, `t${n++}`), env);
          if (!r.stdout.includes(`"permissionDecision":"${expect}"`)) throw new Error(`the hook answered ${r.stdout.trim() || '(nothing)'}`);
          return r.ms;
        },
      });
      if (hook) {
        const rounds = roundsFor(ctx, 20, 2);
        const state = String(ws.env['AIRLOCK_STATE_DIR']);
        // The server is started explicitly before measuring: one call (answered in-process) starts it; then it answers.
        await side('Read', { file_path: 'src/a.ts' }, 'allow').round();
        const before = await hookServer(state);
        try {
          const [read, base1] = await compareSides([side('Read', { file_path: 'src/a.ts' }, 'allow'), bare], { rounds, warmup: 1 });
          out.push(figure({
            name: 'command hook round trip: Read through the hook server (thin client), decided and logged without the editor', unit: 'ms', airlock: read!,
            baselineName: 'node -e 0 start to exit', baseline: base1!, ratio: 'overhead', goal: '≤ 1.5×', meets: (r) => (r === null ? null : r <= 1.5),
            note: 'the hook server was started before the rounds (one call, then waiting for its socket); each round: the thin client starts (node: builtins only), '
              + 'sends the input over the Unix socket; the server loads the policy from its cache (the files re-read and compared), decides, writes and fsyncs the log entry and signs the checkpoint, answers',
          }));
          const [bash, base2] = await compareSides([side('Bash', { command: 'ls src | ls -la' }, 'allow'), bare], { rounds, warmup: 1 });
          out.push(figure({
            name: 'command hook round trip: Bash through the hook server, read with tree-sitter-bash', unit: 'ms', airlock: bash!,
            baselineName: 'node -e 0 start to exit', baseline: base2!, ratio: 'overhead', goal: '≤ 1.5×', meets: (r) => (r === null ? null : r <= 1.5),
            note: 'as above; the server keeps web-tree-sitter and the bash grammar loaded',
          }));
          const after = await ask(before.socket, 'status');
          // Every measured call went through the same server (none fell back in-process).
          const expected = before.calls + 2 * (rounds + 1);
          if (after?.pid !== before.pid || after.calls !== expected) throw new Error(`the hook server answered ${after?.calls ?? 0} calls, not ${expected}: some rounds did not go through it`);
        } finally {
          await ask(before.socket, 'stop');
        }
        const off = { ...ws.env, AIRLOCK_HOOK_SERVER: 'off' };
        const [cold, base3] = await compareSides([side('Read', { file_path: 'src/a.ts' }, 'allow', off), bare], { rounds, warmup: 1 });
        out.push(figure({
          name: 'command hook round trip: Read in-process (AIRLOCK_HOOK_SERVER=off, the first call before a server runs)', unit: 'ms', airlock: cold!,
          baselineName: 'node -e 0 start to exit', baseline: base3!, ratio: 'overhead', goal: 'none (the cold path)', meets: () => null,
          note: 'process start, loading dist/hook-main.js (compile cache on), policy load (zod validation, lint, compile, the policy\'s own tests), decision, log entry fsynced and checkpoint signed, answer',
        }));
      }
      out.push(await gatewayFigure(ctx, ws.root, ws.base));
    } finally {
      fs.rmSync(ws.base, { recursive: true, force: true });
    }
    return out;
  },
};

async function gatewayFigure(ctx: Parameters<FigureModule['run']>[0], root: string, base: string) {
  const lib = ctx.airlock.lib;
  const prevState = process.env['AIRLOCK_STATE_DIR'];
  process.env['AIRLOCK_STATE_DIR'] = path.join(base, 'gw-state');
  const loaded = lib.loadPolicy({ workspaceRoot: root, homeDir: base, protectedPaths: [path.join(base, 'gw-state')] });
  if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('; '));
  const log = lib.ActionLog.open({ file: path.join(base, 'gw-state', 'log.jsonl'), session: 'bench-gw', policyHash: loaded.policy.hash, keyDir: path.join(base, 'keys') });
  const enforcer = new lib.Enforcer({ policy: loaded.policy, log, prompter: lib.denyAllPrompter, session: 'bench-gw' });
  const gateway = await lib.startGateway({
    workspaceRoot: root, session: 'bench-gw', log, enforcer: () => enforcer, policy: () => loaded.policy,
    askEditor: async () => ({ answer: 'deny' }),
  });
  const client = await lib.connectGateway(root);
  const server = http.createServer((_req, res) => res.end('{"verdict":"allow"}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const agent = new http.Agent({ keepAlive: true });
  const port = (server.address() as AddressInfo).port;
  try {
    if (!client) throw new Error('the bench could not connect to its own gateway');
    let n = 0;
    const viaGateway: Side = {
      name: 'gateway/hook (Read, decided in the Enforcer, logged)',
      round: async () => {
        const start = process.hrtime.bigint();
        const r = await client.hook({
          agent: 'claude-code', session: 'bench', toolUseId: `u${n++}`, tool: 'Read', cwd: root, event: 'pre',
          whole: { kind: 'fs.read', path: path.join(root, 'src', 'a.ts') }, items: [{ action: { kind: 'fs.read', path: path.join(root, 'src', 'a.ts') }, exact: true }], unresolved: [],
        });
        const ms = usSince(start) / 1000;
        if (r.verdict !== 'allow') throw new Error(`the gateway answered ${r.verdict}: ${r.reason}`);
        return ms;
      },
    };
    const bareHttp: Side = {
      name: 'bare loopback HTTP POST (keep-alive)',
      round: () => new Promise((resolve, reject) => {
        const start = process.hrtime.bigint();
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(usSince(start) / 1000));
        });
        req.on('error', reject);
        req.end('{"tool":"Read"}');
      }),
    };
    const [g, h] = await compareSides([viaGateway, bareHttp], { rounds: roundsFor(ctx, 300, 5), warmup: 20 });
    return figure({
      name: 'hook question through the gateway socket (connected)', unit: 'ms', airlock: g!, baselineName: 'bare loopback HTTP round trip', baseline: h!,
      ratio: 'overhead', goal: '≤ 3×', meets: (r) => (r === null ? null : r <= 3),
      note: 'JSON-RPC over the Unix socket, zod validation, the decision in the task, a log entry written before the answer',
    });
  } finally {
    client?.close();
    agent.destroy();
    server.close();
    await gateway.close();
    await enforcer.close();
    log.close();
    if (prevState === undefined) delete process.env['AIRLOCK_STATE_DIR']; else process.env['AIRLOCK_STATE_DIR'] = prevState;
  }
}
