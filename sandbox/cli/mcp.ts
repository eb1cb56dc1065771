// `airlock mcp`: serves Airlock's own sandboxed tools to any MCP client over stdio (both protocol eras).
import type { Command } from 'commander';
import { serveMcpProxy } from '../mcp/proxy.js';
import { serveMcp } from '../mcp/server.js';

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('Serve Airlock\'s sandboxed tools (read_file, write_file, edit_file, list_dir, search, delete_path, fetch, exec, '
      + 'run_script, begin_task, end_task) as an MCP server on stdin/stdout. Every call is decided by the policy and logged. '
      + 'Exit codes: 0 when the client disconnects, 2 on bad input. With --proxy -- <command…>: serve another MCP server\'s '
      + 'tools instead, each call decided by the policy\'s tool rules ("<name>/<tool>") and logged.')
    .argument('[command...]', 'with --proxy: the MCP server to run behind Airlock (after "--")')
    .option('--proxy', 'run the MCP server given after "--" behind Airlock and judge each of its tool calls')
    .option('--name <server>', 'with --proxy: the server part of "server/tool" in the tool rules (default: the command\'s basename)')
    .option('--workspace <dir>', 'the workspace the agent works in', process.cwd())
    .option('--policy <file>', 'policy file or preset (default: <workspace>/.airlock/policy.json, else airlock:default)')
    .option('--baseline <file>', 'baseline policy the workspace policy narrows ("none" for none)')
    .option('--task <template>', 'start in this task template instead of the policy\'s own scope')
    .option('--log-dir <dir>', 'where the action log goes (default: a per-workspace folder in the user state directory)')
    .option('--key-dir <dir>', 'where the log signing key lives')
    .action(async (command: string[], opts: { proxy?: boolean; name?: string; workspace: string; policy?: string; baseline?: string; task?: string; logDir?: string; keyDir?: string }) => {
      // stdout carries the protocol: anything else printed there would corrupt it.
      console.log = console.error;
      console.info = console.error;
      let serving;
      try {
        if (!opts.proxy && command.length > 0) throw new Error(`unexpected ${JSON.stringify(command[0])}: a command after "--" needs --proxy`);
        const common = {
          workspaceRoot: opts.workspace,
          ...(opts.policy ? { policyFile: opts.policy } : {}), ...(opts.baseline ? { baselineFile: opts.baseline } : {}),
          ...(opts.task ? { task: opts.task } : {}), ...(opts.logDir ? { logDir: opts.logDir } : {}), ...(opts.keyDir ? { keyDir: opts.keyDir } : {}),
        };
        serving = opts.proxy ? await serveMcpProxy({ ...common, command, ...(opts.name ? { name: opts.name } : {}) }) : await serveMcp(common);
      } catch (err) {
        process.stderr.write(`airlock mcp: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(2);
      }
      process.stderr.write(`airlock mcp: serving ${opts.workspace}; the action log (from the first tool call) is ${serving.logFile}\n`);
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => void serving.close(`airlock mcp received ${signal}`).then(() => process.exit(0)));
      }
      await serving.done;
      process.stdout.write('', () => process.exit(0));
    });
}
