// A tiny `airlock` entry with only the run/replay commands, so their tests do not depend on sandbox/cli/main.ts wiring.
import { Command } from 'commander';
import { registerRunCommands } from '../../sandbox/cli/run.js';

const program = new Command().name('airlock').exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
registerRunCommands(program);
await program.parseAsync(process.argv);
