// `airlock hooks install|uninstall|status|kill|serve|token`: puts `airlock hook` into agents' settings and takes it out
// again, and runs the user's HTTP hook endpoint for Claude Code's `type: "http"` hooks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { AGENTS, isAgentName, type AgentName } from '../hooks/agents.js';
import { EndpointError, endpointFile, ensureEndpoint, freePort, probeEndpoint, readEndpoint, rotateToken, TOKEN_ENV, tokenSource, validPort, type HookEndpoint } from '../hooks/endpoint.js';
import { HTTP_AGENTS, serveHookEndpoint } from '../hooks/http.js';
import { applyPlan, hookUrl, installStatus, planInstall, planUninstall, type InstallScope, type InstallStatus } from '../hooks/install.js';
import { hookServerDir, listHookServers, stopHookServers } from '../hooks/hookd.js';
import { findWorkspaceRoot, killLocalSessions } from '../hooks/local.js';

/** The hook bundle next to this CLI bundle (dist/hook.js), run by this very Node. */
function defaultCommand(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const hook = [path.join(here, 'hook.js'), path.join(here, '..', '..', 'dist', 'hook.js')].find((f) => fs.existsSync(f)) ?? path.join(here, 'hook.js');
  const q = (s: string) => (/^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`);
  return `${q(process.execPath)} ${q(path.resolve(hook))}`;
}

function agentsOf(name: string | undefined): AgentName[] | string {
  if (name === undefined || name === 'all') return [...AGENTS];
  return isAgentName(name) ? [name] : `unknown agent ${JSON.stringify(name)}; use one of ${AGENTS.join(', ')}`;
}

export function registerHooksCommands(program: Command): void {
  const hooks = program.command('hooks').description('Connect agents (Claude Code, VS Code, Copilot, Codex, Gemini CLI, Cursor) to Airlock through their pre-tool hooks.');
  const common = (c: Command) => c
    .option('--agent <name>', `${AGENTS.join(' | ')} | all`)
    .option('--scope <scope>', 'project (the workspace\'s settings) or user (your home\'s)', 'project')
    .option('--workspace <dir>', 'the workspace (default: the one around the current directory)');
  const context = (opts: { agent?: string; scope: string; workspace?: string }) => {
    const agents = agentsOf(opts.agent);
    if (typeof agents === 'string') return agents;
    if (opts.scope !== 'project' && opts.scope !== 'user') return `--scope must be project or user, not ${JSON.stringify(opts.scope)}`;
    return { agents, scope: opts.scope as InstallScope, workspaceRoot: opts.workspace ? path.resolve(opts.workspace) : findWorkspaceRoot(process.cwd()), homeDir: os.homedir() };
  };
  common(hooks.command('install'))
    .description('Add `airlock hook` to the agent\'s settings, keeping what is there; prints the diff')
    .option('--dry-run', 'print the diff, change nothing')
    .option('--command <cmd>', 'the command that runs the hook (default: this installation\'s node and dist/hook.js)')
    .option('--http', 'Claude Code only: an HTTP hook posting to your endpoint (`airlock hooks serve`) instead of a command')
    .action(async (opts: { agent?: string; scope: string; workspace?: string; dryRun?: boolean; command?: string; http?: boolean }) => {
      const ctx = context(opts);
      if (typeof ctx === 'string') { console.error(`airlock hooks install: ${ctx}`); process.exit(2); }
      if (opts.agent === undefined) { console.error('airlock hooks install: name the agent with --agent (or --agent all)'); process.exit(2); }
      let http: HookEndpoint | undefined;
      if (opts.http) {
        if (opts.agent !== 'claude-code') {
          console.error(`airlock hooks install: --http works for ${HTTP_AGENTS.join(', ')} only (use --agent claude-code); VS Code, Copilot, Codex, Gemini CLI and Cursor run command hooks: leave out --http`);
          process.exit(2);
        }
        if (opts.command !== undefined) { console.error('airlock hooks install: --http and --command exclude each other (an HTTP hook runs no command)'); process.exit(2); }
        try {
          // A dry run changes nothing, the endpoint file included: without one, it shows the entries with a port chosen now.
          const existing = opts.dryRun ? readEndpoint() : undefined;
          if (opts.dryRun && !existing) {
            http = { port: await freePort(), token: '', file: endpointFile() };
            console.log(`(no endpoint yet: the port below is an example; install without --dry-run makes ${http.file} and keeps its port)`);
          } else {
            const made = existing ? { endpoint: existing, created: false } : await ensureEndpoint();
            http = made.endpoint;
            if (made.created) console.log(`made your hook endpoint: port ${http.port} and a new token in ${http.file}`);
          }
        } catch (err) {
          console.error(`airlock hooks install: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        }
      }
      let failed = false;
      for (const agent of ctx.agents) {
        try {
          const plan = planInstall({ agent, scope: ctx.scope, workspaceRoot: ctx.workspaceRoot, homeDir: ctx.homeDir, command: opts.command ?? defaultCommand(), ...(http ? { http: { port: http.port } } : {}) });
          if (!plan.changed) { console.log(`${agent}: already installed in ${plan.file}`); continue; }
          process.stdout.write(plan.diff);
          if (!opts.dryRun) applyPlan(plan);
          console.log(`${agent}: ${opts.dryRun ? 'would install' : 'installed'} in ${plan.file}`);
          if (http && !opts.dryRun) printHttpNextSteps(http);
        } catch (err) {
          failed = true;
          console.error(`${agent}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      process.exitCode = failed ? 1 : 0;
    });
  common(hooks.command('uninstall'))
    .description('Remove Airlock\'s hook entries (only them) from the agent\'s settings; prints the diff')
    .option('--dry-run', 'print the diff, change nothing')
    .action((opts: { agent?: string; scope: string; workspace?: string; dryRun?: boolean }) => {
      const ctx = context(opts);
      if (typeof ctx === 'string') { console.error(`airlock hooks uninstall: ${ctx}`); process.exit(2); }
      for (const agent of ctx.agents) {
        const plan = planUninstall({ agent, scope: ctx.scope, workspaceRoot: ctx.workspaceRoot, homeDir: ctx.homeDir });
        if (!plan.changed) continue;
        process.stdout.write(plan.diff);
        if (!opts.dryRun) applyPlan(plan);
        console.log(`${agent}: ${opts.dryRun ? 'would remove' : 'removed'} from ${plan.file}`);
      }
    });
  common(hooks.command('status'))
    .description('Which agents have `airlock hook` installed, project and user scope')
    .option('--json', 'machine-readable (Claude Code\'s rows carry the HTTP endpoint\'s state)')
    .action(async (opts: { agent?: string; scope: string; workspace?: string; json?: boolean }) => {
      const ctx = context({ ...opts, scope: 'project' });
      if (typeof ctx === 'string') { console.error(`airlock hooks status: ${ctx}`); process.exit(2); }
      const rows: Array<InstallStatus & { endpoint?: string; httpEndpoint?: Awaited<ReturnType<typeof endpointStatus>> }> =
        ctx.agents.flatMap((a) => (['project', 'user'] as const).map((s) => installStatus(a, s, ctx.workspaceRoot, ctx.homeDir)));
      const endpoint = ctx.agents.includes('claude-code') ? await endpointStatus() : undefined;
      for (const r of rows) {
        if (r.agent === 'claude-code' && endpoint) r.httpEndpoint = endpoint;
        if (r.via !== 'http') continue;
        // An HTTP entry is only as good as the endpoint it points at: say whether it does.
        r.endpoint = !endpoint?.port ? 'no endpoint configured (airlock hooks serve makes it)' : r.port !== endpoint.port
          ? `points at port ${r.port}, but your endpoint is on ${endpoint.port}: install again (airlock hooks install --agent claude-code --http)` : `points at your endpoint, ${endpoint.listening}`;
      }
      if (opts.json) { console.log(JSON.stringify(rows, null, 2)); return; }
      for (const r of rows) {
        const state = r.problem ? `problem: ${r.problem}` : r.installed ? `installed${r.via === 'http' ? ` (http ${r.url}: ${r.endpoint})` : ''}` : 'not installed';
        console.log(`${r.agent.padEnd(12)} ${r.scope.padEnd(8)} ${state}  ${r.file}`);
      }
      if (endpoint) console.log(`http endpoint        ${endpoint.problem ? `problem: ${endpoint.problem}` : endpoint.port ? `port ${endpoint.port}, ${endpoint.listening}` : 'not configured'}  ${endpoint.file}`);
    });
  hooks.command('kill')
    .description('The kill switch for agents deciding without the editor: every session of this workspace is denied and stopped')
    .option('--workspace <dir>', 'the workspace (default: the one around the current directory)')
    .action((opts: { workspace?: string }) => {
      const root = opts.workspace ? path.resolve(opts.workspace) : findWorkspaceRoot(process.cwd());
      killLocalSessions(root);
      console.log(`stopped every agent session of ${root}: their next tool call is denied and the agent told to stop`);
    });
  hooks.command('serve')
    .description('Run your HTTP hook endpoint for Claude Code\'s `type: "http"` hooks (127.0.0.1, the port in <state>/hooks/http.json) until Ctrl-C')
    .option('--port <n>', 'listen on this port from now on (rewrites the endpoint file; install the hook again so the settings follow)')
    .action(async (opts: { port?: string }) => {
      const port = opts.port === undefined ? undefined : validPort(opts.port);
      if (opts.port !== undefined && port === undefined) { console.error(`airlock hooks serve: --port must be a port number (1-65535), not ${JSON.stringify(opts.port)}`); process.exit(2); }
      let endpoint: HookEndpoint;
      try {
        const made = await ensureEndpoint(port === undefined ? {} : { port });
        endpoint = made.endpoint;
        if (made.created) console.log(`made your hook endpoint: port ${endpoint.port} and a new token in ${endpoint.file}`);
        if (made.previousPort !== undefined) {
          console.log(`the endpoint moved from port ${made.previousPort} to ${endpoint.port} (${endpoint.file}); settings that point at the old port must be installed again: airlock hooks install --agent claude-code --http`);
        }
      } catch (err) {
        console.error(`airlock hooks serve: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      }
      let server: Awaited<ReturnType<typeof serveHookEndpoint>>;
      try {
        server = await serveHookEndpoint({ host: '127.0.0.1', port: endpoint.port, token: tokenSource(endpoint) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
          console.error(`airlock hooks serve: cannot listen on 127.0.0.1:${endpoint.port}: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        }
        const who = await probeEndpoint(endpoint);
        console.error(who === 'ours'
          ? `airlock hooks serve: your hook endpoint already runs on 127.0.0.1:${endpoint.port} (it proved it holds your token); nothing to do`
          : `airlock hooks serve: port ${endpoint.port} on 127.0.0.1 is taken by another program (not this Airlock endpoint). Pick another port: airlock hooks serve --port N (rewrites ${endpoint.file}), then airlock hooks install --agent claude-code --http so Claude Code's settings point at it`);
        process.exit(1);
      }
      console.log(`Airlock hook endpoint listening on ${hookUrl(server.port, 'claude-code')} (Claude Code's http hooks; token: airlock hooks token)`);
      const stop = () => { void server.close().then(() => process.exit(0)); };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  hooks.command('token')
    .description(`Print the token Claude Code's HTTP hooks send (put it in Claude Code's environment as ${TOKEN_ENV})`)
    .option('--export', `print it as a shell line: export ${TOKEN_ENV}=…`)
    .option('--rotate', 'make a new token first (the old one stops working at once, also in a running endpoint); then start Claude Code from a new shell')
    .action(async (opts: { export?: boolean; rotate?: boolean }) => {
      try {
        const endpoint = opts.rotate ? rotateToken() : (await ensureEndpoint()).endpoint;
        if (opts.rotate) console.error(`a new token is in ${endpoint.file}; the old one is refused from now on: give Claude Code the new one (a new shell, if your profile runs airlock hooks token)`);
        console.log(opts.export ? `export ${TOKEN_ENV}=${endpoint.token}` : endpoint.token);
      } catch (err) {
        console.error(`airlock hooks token: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      }
    });
  const server = hooks.command('server').description('The hook server: a per-user process that answers `airlock hook` calls quickly (AIRLOCK_HOOK_SERVER=off turns it off)');
  server.command('status')
    .description('Whether a hook server runs: its pid, build id, socket, idle limit and calls')
    .option('--json', 'machine-readable')
    .action(async (opts: { json?: boolean }) => {
      const rows = await listHookServers();
      if (opts.json) { console.log(JSON.stringify(rows, null, 2)); return; }
      if (rows.length === 0) { console.log(`no hook server runs (sockets live in ${hookServerDir()}); the next \`airlock hook\` call starts one`); return; }
      for (const r of rows) {
        if (r.status) {
          const s = r.status;
          console.log(`running  pid ${s.pid}  build ${s.id}  idle limit ${Math.round(s.idleMs / 60_000 * 10) / 10} min  ${s.calls} calls (${s.policyLoads} policy loads, ${s.policyCacheHits} from the cache)  ${r.socket}`);
        } else {
          console.log(`stale    ${r.socket}: ${r.problem ?? 'no answer'}`);
        }
      }
    });
  server.command('stop')
    .description('Stops every hook server of this user (they finish the calls under way); the next hook call starts a new one')
    .action(async () => {
      const pids = await stopHookServers();
      console.log(pids.length ? `stopped hook server ${pids.map((p) => `pid ${p}`).join(', ')}` : 'no hook server runs');
    });
}

function printHttpNextSteps(endpoint: HookEndpoint): void {
  console.log(`Next steps for the HTTP hook (it posts to 127.0.0.1:${endpoint.port}):
  1. Run the endpoint, and keep it running while Claude Code works: airlock hooks serve
     (while it is down every tool call is blocked: the hook has onFailure "block", Claude Code 2.1.295 or later)
  2. Give Claude Code the token in its environment, e.g. in your shell profile (the token stays in ${endpoint.file}):
       export ${TOKEN_ENV}="$(airlock hooks token)"
     then start Claude Code from a new shell.`);
}

/** The endpoint file's port and whether Airlock's endpoint answers there; never creates the file. */
async function endpointStatus(): Promise<{ file: string; port?: number; listening?: string; problem?: string }> {
  const file = endpointFile();
  try {
    const endpoint = readEndpoint();
    if (!endpoint) return { file };
    const who = await probeEndpoint(endpoint);
    const listening = who === 'ours' ? 'listening' : who === 'closed' ? 'not listening: start it with airlock hooks serve' : 'the port is taken by another program: airlock hooks serve --port N';
    return { file, port: endpoint.port, listening };
  } catch (err) {
    return { file, problem: err instanceof EndpointError || err instanceof Error ? err.message : String(err) };
  }
}
