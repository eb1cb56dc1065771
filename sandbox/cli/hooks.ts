// `airlock hooks install|uninstall|status|kill`: puts `airlock hook` into agents' settings and takes it out again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { AGENTS, isAgentName, type AgentName } from '../hooks/agents.js';
import { applyPlan, installStatus, planInstall, planUninstall, type InstallScope } from '../hooks/install.js';
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
    .action((opts: { agent?: string; scope: string; workspace?: string; dryRun?: boolean; command?: string }) => {
      const ctx = context(opts);
      if (typeof ctx === 'string') { console.error(`airlock hooks install: ${ctx}`); process.exit(2); }
      if (opts.agent === undefined) { console.error('airlock hooks install: name the agent with --agent (or --agent all)'); process.exit(2); }
      let failed = false;
      for (const agent of ctx.agents) {
        try {
          const plan = planInstall({ agent, scope: ctx.scope, workspaceRoot: ctx.workspaceRoot, homeDir: ctx.homeDir, command: opts.command ?? defaultCommand() });
          if (!plan.changed) { console.log(`${agent}: already installed in ${plan.file}`); continue; }
          process.stdout.write(plan.diff);
          if (!opts.dryRun) applyPlan(plan);
          console.log(`${agent}: ${opts.dryRun ? 'would install' : 'installed'} in ${plan.file}`);
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
    .option('--json', 'machine-readable')
    .action((opts: { agent?: string; scope: string; workspace?: string; json?: boolean }) => {
      const ctx = context({ ...opts, scope: 'project' });
      if (typeof ctx === 'string') { console.error(`airlock hooks status: ${ctx}`); process.exit(2); }
      const rows = ctx.agents.flatMap((a) => (['project', 'user'] as const).map((s) => installStatus(a, s, ctx.workspaceRoot, ctx.homeDir)));
      if (opts.json) { console.log(JSON.stringify(rows, null, 2)); return; }
      for (const r of rows) console.log(`${r.agent.padEnd(12)} ${r.scope.padEnd(8)} ${r.problem ? `problem: ${r.problem}` : r.installed ? 'installed' : 'not installed'}  ${r.file}`);
    });
  hooks.command('kill')
    .description('The kill switch for agents deciding without the editor: every session of this workspace is denied and stopped')
    .option('--workspace <dir>', 'the workspace (default: the one around the current directory)')
    .action((opts: { workspace?: string }) => {
      const root = opts.workspace ? path.resolve(opts.workspace) : findWorkspaceRoot(process.cwd());
      killLocalSessions(root);
      console.log(`stopped every agent session of ${root}: their next tool call is denied and the agent told to stop`);
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
