// Figure: a confined command (Airlock's whole exec: decide, log, plan the mounts, start the proxy, bwrap) against a plain
// spawn, bare bwrap with the very same arguments, and @anthropic-ai/sandbox-runtime wrapping the same command; and the
// proxy's cost per fetched URL against a direct request. All sides in one run, interleaved.
import { execFileSync, spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import http from 'node:http';
import { SandboxManager } from '@anthropic-ai/sandbox-runtime';
import type { ActionRequest } from '../sandbox/pipeline/types.js';
import { roundsFor, type FigureModule } from './context.js';
import { openFixture } from './fixture.js';
import { plainSpawn } from './guarded.js';
import { compareSides, timeAsyncBatch, type Side } from './measure.js';
import { figure, type FigureRecord } from './record.js';

function run(file: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${file} exited with ${code}: ${err.slice(0, 300)}`))));
  });
}

/** One HTTP GET, without keep-alive: directly, or through the proxy's unix socket in absolute form. */
function get(url: string, socketPath?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request(socketPath ? { socketPath, path: url, headers: { host: u.host }, agent: false } : { host: u.hostname, port: u.port, path: u.pathname, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

export const confineFigure: FigureModule = {
  id: 'confine',
  title: 'Confined commands: Airlock vs plain spawn, bare bwrap with the same mounts, sandbox-runtime; proxy per URL',
  async run(ctx) {
    const lib = ctx.airlock.lib;
    const fx = await openFixture(lib);
    const out: FigureRecord[] = [];
    let srt = false;
    try {
      await SandboxManager.initialize({
        network: { allowedDomains: [], deniedDomains: [] },
        filesystem: { denyRead: ['~/.ssh'], allowWrite: [fx.workspace + '/out'], denyWrite: [] },
      } as Parameters<typeof SandboxManager.initialize>[0]);
      srt = true;
    } catch (err) {
      ctx.progress(`  sandbox-runtime could not start here: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      for (const argv of [['echo', 'hello'], ['node', '--version']]) {
        const request: ActionRequest = { action: 'exec', argv };
        const first = await fx.enforcer.perform(fx.taskId, request);
        const stdout = (first.result as { stdout?: string } | undefined)?.stdout;
        const plain = await plainSpawn(argv, fx.workspace);
        if (first.outcome !== 'done' || stdout !== plain) ctx.fail(`confined ${argv.join(' ')} printed ${JSON.stringify(stdout)} (${first.outcome}), a plain spawn ${JSON.stringify(plain)}`);
        // Bare bwrap: the arguments Airlock computed for this command (mounts, namespaces, the proxy bridge), spawned directly.
        const program = realpathSync(execFileSync('which', [argv[0] as string], { encoding: 'utf8' }).trim());
        const prepared = await lib.prepareConfined({
          program, args: argv.slice(1), cwd: fx.workspace, root: fx.workspace,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: fx.home }, authorize: async () => undefined, timeoutMs: 10000,
        }, { judge: { read: () => true, write: (p) => p.startsWith(fx.workspace + '/out') }, homes: [fx.home], protectedOutside: [fx.logDir], protectedInside: [] });
        try {
          if (await run(prepared.file, prepared.args, fx.workspace, prepared.env) !== plain) ctx.fail(`bare bwrap ${argv.join(' ')} printed something else`);
          const srtCommand = srt ? await SandboxManager.wrapWithSandbox(argv.join(' ')) : '';
          const sides: Side[] = [
            { name: 'Airlock', round: () => timeAsyncBatch(3, () => fx.enforcer.perform(fx.taskId, request)) },
            { name: 'plain spawn', round: () => timeAsyncBatch(3, () => plainSpawn(argv, fx.workspace)) },
            { name: 'bare bwrap', round: () => timeAsyncBatch(3, () => run(prepared.file, prepared.args, fx.workspace, prepared.env)) },
            ...(srt ? [{ name: 'sandbox-runtime', round: () => timeAsyncBatch(3, async () => run('/bin/sh', ['-c', await SandboxManager.wrapWithSandbox(argv.join(' '))], fx.workspace)) }] : []),
          ];
          if (srt && (await run('/bin/sh', ['-c', srtCommand], fx.workspace)) !== plain) ctx.fail(`sandbox-runtime ${argv.join(' ')} printed something else`);
          const [a, p, b, s] = await compareSides(sides, { rounds: roundsFor(ctx, 15), warmup: 1 });
          const what = argv.join(' ');
          out.push(figure({ name: `confined ${what} vs plain spawn`, unit: 'µs', airlock: a!, baselineName: 'child_process.spawn', baseline: p!, ratio: 'overhead',
            goal: 'none stated (the price of confinement)', note: 'Airlock: Enforcer.perform (decide, log, walk the workspace, plan mounts, start the proxy, bwrap + in-sandbox bridge)' }));
          out.push(figure({ name: `confined ${what} vs bare bwrap`, unit: 'µs', airlock: a!, baselineName: 'bwrap with the same arguments', baseline: b!, ratio: 'overhead',
            goal: '≤ 1.3× bare bwrap', meets: (r) => (r === null ? null : r <= 1.3), note: 'bare bwrap: the same mounts, namespaces and proxy bridge, no decision, log, walk or proxy start' }));
          out.push(figure({ name: `confined ${what} vs sandbox-runtime`, unit: 'µs', airlock: a!, baselineName: '@anthropic-ai/sandbox-runtime wrapWithSandbox + sh', baseline: s ?? null, ratio: 'overhead',
            goal: '≤ 1/3 of sandbox-runtime', meets: (r) => (r === null ? null : r <= 1 / 3), note: srt ? 'sandbox-runtime: wrapWithSandbox per command (as an embedder calls it), then sh -c' : 'sandbox-runtime could not start here' }));
          ctx.progress(`  ${what}: done`);
        } finally {
          await prepared.cleanup();
        }
      }
      // The proxy: one GET of a loopback URL through it (decided by URL and address) vs the same GET direct.
      const proxy = await lib.startProxy({ authorize: async () => undefined, timeoutMs: 10000 });
      try {
        const direct = await get(fx.url);
        if (await get(fx.url, proxy.socket) !== direct) ctx.fail('the proxy returned another body');
        const [a, b] = await compareSides([
          { name: 'through the proxy', round: () => timeAsyncBatch(50, () => get(fx.url, proxy.socket)) },
          { name: 'direct', round: () => timeAsyncBatch(50, () => get(fx.url)) },
        ], { rounds: roundsFor(ctx, 15), warmup: 1 });
        out.push(figure({ name: 'proxy: one GET of a loopback URL', unit: 'µs', airlock: a!, baselineName: 'direct http.request', baseline: b!, ratio: 'overhead',
          goal: 'none stated (overhead reported)', note: 'the proxy decides by URL then address (here a decision that allows at once), connects, pipes; no keep-alive on either side' }));
      } finally {
        await proxy.close();
      }
    } finally {
      if (srt) await SandboxManager.reset();
      await fx.close();
    }
    return out;
  },
};
