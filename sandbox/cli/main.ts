// Architecture invariant: the CLI only parses arguments and prints; decisions, actions and logs belong to the folders it calls.
// The `airlock` command line: one commander program; each concept registers its own subcommands.
import { Command } from 'commander';
import { registerPolicyCommands } from './policy.js';
import { registerLogCommands } from './log.js';
import { registerHostCommand } from './host.js';
import { registerRunCommands } from './run.js';
import { registerMcpCommand } from './mcp.js';
import { registerHooksCommands } from './hooks.js';
import { registerMetaCommands } from './meta.js';
import { registerLogsCommands } from './logs.js';
import { displaySafe } from '../protocol/display.js';

const program = new Command()
  .name('airlock')
  .description('Policy enforcement in the request path of AI coding agents.')
  .showHelpAfterError()
  // commander quotes what was typed (an unknown option or command) in its errors: escape it like every other line.
  .configureOutput({ outputError: (text, write) => write(text.split('\n').map(displaySafe).join('\n')) })
  .exitOverride((err) => {
    // Usage errors are bad input: exit 2, like every other bad-input path.
    process.exit(err.exitCode === 0 ? 0 : 2);
  });

registerPolicyCommands(program);
registerLogCommands(program);
registerRunCommands(program);
registerHostCommand(program);
registerMcpCommand(program);
registerHooksCommands(program);
registerLogsCommands(program);
// Last: the completion script lists every command registered above.
registerMetaCommands(program);

await program.parseAsync(process.argv);
