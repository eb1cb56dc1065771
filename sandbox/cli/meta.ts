// `airlock --version` and `airlock completion bash|zsh|fish`: what a CLI user expects of any installed tool.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { airlockRoot } from '../policy/presets.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** The version of this installation, from its package.json. */
export function airlockVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(airlockRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** One node of the command tree: its subcommands and options, read from commander so every registered command is in. */
interface CommandNode { path: string[]; description: string; subcommands: CommandNode[]; options: string[] }

function treeOf(cmd: Command, parents: string[] = []): CommandNode {
  const here = parents.length === 0 && cmd.parent === null ? [] : [...parents, cmd.name()];
  const options = cmd.options.flatMap((o) => [o.long, o.short]).filter((x): x is string => typeof x === 'string');
  return {
    path: here,
    description: cmd.description(),
    subcommands: cmd.commands.filter((c) => c.name() !== 'help').map((c) => treeOf(c, here)),
    options: [...options, '--help'],
  };
}

function walk(node: CommandNode): CommandNode[] {
  return [node, ...node.subcommands.flatMap(walk)];
}

/** Shell-safe: command and option names are ours, but quote anyway so a future name cannot break the script. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bashScript(root: CommandNode): string {
  const nodes = walk(root);
  const cases = (pick: (n: CommandNode) => string[]) => nodes
    .map((n) => `    ${sq(n.path.join(' '))}) echo ${sq(pick(n).join(' '))} ;;`).join('\n');
  return `# airlock completion for bash: add \`source <(airlock completion bash)\` to ~/.bashrc
_airlock_subcommands() {
  case "$1" in
${cases((n) => n.subcommands.map((s) => s.path.at(-1) ?? ''))}
  esac
}
_airlock_options() {
  case "$1" in
${cases((n) => n.options)}
  esac
}
_airlock() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" word i subs
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    subs=" $(_airlock_subcommands "$cmd") "
    if [[ "$word" != -* && "$subs" == *" $word "* ]]; then cmd="\${cmd:+$cmd }$word"; fi
  done
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(_airlock_options "$cmd")" -- "$cur"))
  else
    subs="$(_airlock_subcommands "$cmd")"
    if [[ -n "$subs" ]]; then COMPREPLY=($(compgen -W "$subs" -- "$cur")); else COMPREPLY=(); fi
  fi
}
complete -o default -F _airlock airlock
`;
}

function zshScript(root: CommandNode): string {
  // zsh runs bash completion functions through bashcompinit: one table, two shells.
  return `# airlock completion for zsh: add \`source <(airlock completion zsh)\` to ~/.zshrc
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashScript(root).split('\n').slice(1).join('\n')}`;
}

function fishScript(root: CommandNode): string {
  const lines = ['# airlock completion for fish: airlock completion fish > ~/.config/fish/completions/airlock.fish', 'complete -c airlock -f'];
  for (const node of walk(root)) {
    const condition = node.path.length === 0
      ? '__fish_use_subcommand'
      : `__fish_seen_subcommand_from ${node.path.at(-1) ?? ''}`;
    for (const sub of node.subcommands) {
      lines.push(`complete -c airlock -n ${sq(condition)} -a ${sq(sub.path.at(-1) ?? '')} -d ${sq((sub.description.split(/[.;:(]/)[0] ?? '').trim())}`);
    }
    if (node.path.length > 0) {
      for (const opt of node.options.filter((o) => o.startsWith('--'))) {
        lines.push(`complete -c airlock -n ${sq(condition)} -l ${sq(opt.slice(2))}`);
      }
      if (node.subcommands.length === 0) lines.push(`complete -c airlock -n ${sq(condition)} -F`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const root = treeOf(program);
  return shell === 'bash' ? bashScript(root) : shell === 'zsh' ? zshScript(root) : fishScript(root);
}

/** Registers `--version` and `completion`; call it last, so the completion sees every command. */
export function registerMetaCommands(program: Command): void {
  program.version(airlockVersion(), '-V, --version', 'print the Airlock version');
  program
    .command('completion')
    .description('Print a shell completion script: bash, zsh or fish (e.g. `source <(airlock completion bash)`).')
    .argument('<shell>', SHELLS.join(' | '))
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        process.stderr.write(`airlock completion: unknown shell ${JSON.stringify(shell)}; use one of ${SHELLS.join(', ')}\n`);
        process.exitCode = 2;
        return;
      }
      process.stdout.write(completionScript(program, shell as Shell));
    });
}
