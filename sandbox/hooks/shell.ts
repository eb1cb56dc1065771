// Reads a shell command line with tree-sitter-bash into the actions it would take: every command's argv (wrappers and
// `sh -c`/`eval` strings unwrapped and judged part by part), redirection targets as file reads and writes, and what
// cannot be known before it runs (expansions, globs, parse errors), which makes the whole command asked.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Node as SyntaxNode, Parser as TsParser } from 'web-tree-sitter';
import type { Action } from '../policy/types.js';

/**
 * One thing the command line does. `exact` is false when some argument is unknown (then an allow becomes an ask).
 * `tree`: an fs.read of a folder that reads every file beneath it (`grep -r`, `rg`, `cp -r`, a search tool), optionally
 * only the files matching `glob` (a search tool's file filter); see trees.ts. `beneath`: this read was added because
 * the call reads that folder whole.
 */
export interface ShellItem { action: Action; exact: boolean; tree?: { glob?: string }; beneath?: string }

export interface ShellAnalysis {
  items: ShellItem[];
  /** Why the command cannot be judged in full (each forces at least an ask). */
  unresolved: string[];
}

export interface ShellContext {
  /** The agent's working directory (absolute). */
  cwd: string;
  workspaceRoot: string;
  homeDir: string;
}

let parserPromise: Promise<TsParser> | undefined;

/** The parser, loaded once per process (the hook process judges one call, so only when a shell command comes). */
function parser(): Promise<TsParser> {
  parserPromise ??= (async () => {
    const { Parser, Language } = await import('web-tree-sitter');
    await Parser.init();
    const require = createRequire(import.meta.url);
    const language = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'));
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parserPromise;
}

/** Variables a command may be given without changing which program runs or how it loads code. */
const HARMLESS_VARIABLES = new Set(['CI', 'NODE_ENV', 'FORCE_COLOR', 'NO_COLOR', 'TZ', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TERM', 'DEBUG', 'VERBOSE', 'COLUMNS']);
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'busybox']);
const DEVICES = /^\/dev\/(null|stdout|stderr|stdin|tty|fd\/\d+)$/;
const MAX_DEPTH = 5;
const MAX_LENGTH = 64 * 1024;

const isDirectory = (p: string): boolean => {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Whether a command reads whole folders it is given: null when not; 'cwd' when, given no path, it reads the working
 * directory (`rg`, `grep -r`, `git grep`, `find … -exec`); 'named' when only the folders it names (`cp -r`, `tar c`).
 */
export function readsTrees(argv: readonly string[]): 'cwd' | 'named' | null {
  const program = path.basename(argv[0] ?? '');
  const args = argv.slice(1);
  const flags = args.filter((a) => a.startsWith('-') && a !== '-');
  const short = (letters: string) => flags.some((f) => /^-[A-Za-z0-9]+$/.test(f) && [...letters].some((l) => f.slice(1).includes(l)));
  const long = (...names: string[]) => flags.some((f) => names.some((n) => f === n || f.startsWith(`${n}=`)));
  switch (program) {
    case 'rg': case 'ag': case 'ack': case 'ack-grep': case 'ugrep': case 'ug':
      return 'cwd';
    case 'grep': case 'egrep': case 'fgrep': case 'zgrep':
      return short('rR') || long('--recursive', '--dereference-recursive', '--directories=recurse')
        || args.some((a, i) => (a === '-d' && args[i + 1] === 'recurse') || a === '-drecurse') ? 'cwd' : null;
    case 'git':
      return args[0] === 'grep' ? 'cwd' : args[0] === 'archive' ? 'cwd' : null;
    case 'find':
      return args.some((a) => ['-exec', '-execdir', '-ok', '-okdir', '-fprint', '-fls'].includes(a)) ? 'cwd' : null;
    case 'cp': case 'scp':
      return short('rRa') || long('--recursive', '--archive') ? 'named' : null;
    case 'rsync': case 'tar': case 'bsdtar': case 'zip': case '7z': case '7za': case 'rclone': case 'duplicity': case 'restic':
      return 'named';
    default:
      return null;
  }
}

export async function analyseShell(command: string, ctx: ShellContext): Promise<ShellAnalysis> {
  const out: ShellAnalysis = { items: [], unresolved: [] };
  if (command.length > MAX_LENGTH) {
    out.unresolved.push(`the command is longer than ${MAX_LENGTH} characters`);
    return out;
  }
  const p = await parser();
  new Walker(p, ctx, out).script(command, ctx.cwd, 0);
  return out;
}

class Walker {
  constructor(private readonly p: TsParser, private readonly ctx: ShellContext, private readonly out: ShellAnalysis) {}

  private cwd = '';

  script(text: string, cwd: string, depth: number): void {
    if (depth > MAX_DEPTH) {
      this.out.unresolved.push(`shell strings nested more than ${MAX_DEPTH} deep`);
      return;
    }
    const tree = this.p.parse(text);
    if (!tree) {
      this.out.unresolved.push('the shell parser gave no result');
      return;
    }
    try {
      if (tree.rootNode.hasError) this.out.unresolved.push('the command line does not parse as shell syntax');
      const saved = this.cwd;
      this.cwd = cwd;
      this.visit(tree.rootNode, depth, true);
      this.cwd = saved;
    } finally {
      tree.delete();
    }
  }

  private exec(argv: string[], exact: boolean): void {
    const rel = path.relative(this.ctx.workspaceRoot, this.cwd);
    const cwd = rel === '' ? undefined : rel.startsWith('..') || path.isAbsolute(rel) ? this.cwd : rel;
    this.out.items.push({ action: { kind: 'exec', argv, ...(cwd !== undefined ? { cwd } : {}) }, exact });
    // An argument naming an existing file is read by the command as far as Airlock can tell: `cat .env` is judged as a
    // read of .env too, so a read deny (secrets) holds for commands as it does for the agent's read tool.
    // A command that reads whole folders (`grep -r`, `rg`, `cp -r`, `tar c` …) reads every file beneath a folder it names.
    const recursive = readsTrees(argv);
    let named = false;
    for (const arg of argv.slice(1, 65)) {
      const eq = arg.startsWith('-') ? arg.indexOf('=') : -1;
      if (arg.startsWith('-') && eq < 0) continue;
      const candidate = eq >= 0 ? arg.slice(eq + 1) : arg;
      if (candidate === '' || candidate.includes('\0')) continue;
      const abs = candidate === '~' || candidate.startsWith('~/') ? path.join(this.ctx.homeDir, candidate.slice(1)) : path.resolve(this.cwd, candidate);
      if (!fs.existsSync(abs)) continue;
      named = true;
      const tree = recursive !== null && isDirectory(abs);
      this.out.items.push({ action: { kind: 'fs.read', path: abs }, exact: true, ...(tree ? { tree: {} } : {}) });
    }
    // `rg x`, `grep -r x` with no path search the working directory.
    if (recursive === 'cwd' && !named) this.out.items.push({ action: { kind: 'fs.read', path: this.cwd }, exact: true, tree: {} });
  }

  private file(kind: 'fs.read' | 'fs.write' | 'fs.list', target: string): void {
    const abs = target === '~' || target.startsWith('~/') ? path.join(this.ctx.homeDir, target.slice(1)) : path.resolve(this.cwd, target);
    this.out.items.push({ action: { kind, path: abs }, exact: true });
  }

  /** `top`: the node runs in the main shell in sequence (so a `cd` there moves the later commands). */
  private visit(node: SyntaxNode, depth: number, top: boolean): void {
    switch (node.type) {
      case 'command': this.command(node, depth, top); return;
      case 'variable_assignment': this.assignment(node, depth); return;
      case 'file_redirect': this.redirect(node, depth); return;
      case 'heredoc_redirect': case 'herestring_redirect': this.hereRedirect(node, depth); return;
      case 'ERROR': this.out.unresolved.push(`unparsable shell text ${JSON.stringify(node.text.slice(0, 80))}`); return;
      case 'declaration_command': case 'unset_command': this.declaration(node, depth); return;
      case 'command_substitution': case 'process_substitution':
        for (const c of node.namedChildren) if (c) this.visit(c, depth, false);
        return;
      case 'function_definition':
        this.out.unresolved.push('the command line defines a shell function');
        break;
      default: break;
    }
    const sequential = top && (node.type === 'program' || node.type === 'list' || node.type === 'redirected_statement' || node.type === 'compound_statement');
    for (const c of node.namedChildren) if (c) this.visit(c, depth, sequential);
  }

  /** Command substitutions and the like inside a node that is not itself a command (their commands run too). */
  private substitutions(node: SyntaxNode, depth: number): void {
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'command_substitution' || c.type === 'process_substitution') this.visit(c, depth, false);
      else this.substitutions(c, depth);
    }
  }

  /** A here-document or here-string: its substitutions run, and it may carry a redirection of its own (`<<EOF > out`). */
  private hereRedirect(node: SyntaxNode, depth: number): void {
    this.substitutions(node, depth);
    for (const c of node.namedChildren) if (c?.type === 'file_redirect') this.redirect(c, depth);
  }

  private assignment(node: SyntaxNode, depth: number): void {
    const name = node.childForFieldName('name')?.text ?? '';
    if (!HARMLESS_VARIABLES.has(name)) {
      this.out.unresolved.push(`it sets the shell variable ${JSON.stringify(name)}, which can change what later commands run`);
    }
    this.substitutions(node, depth);
  }

  private declaration(node: SyntaxNode, depth: number): void {
    this.substitutions(node, depth);
    const words = node.namedChildren.filter((c): c is SyntaxNode => c !== null);
    const head = node.children[0]?.text ?? node.type;
    const argv = [head, ...words.map((w) => (w.type === 'variable_assignment' ? w.text : this.value(w) ?? w.text))];
    this.exec(argv, false);
    this.out.unresolved.push(`${head} changes the shell's variables`);
  }

  private redirect(node: SyntaxNode, depth: number): void {
    this.substitutions(node, depth);
    const op = node.children.find((c) => c !== null && !c.isNamed)?.text ?? '>';
    const dest = node.childForFieldName('destination');
    if (!dest) return;
    const target = this.value(dest);
    if ((op === '>&' || op === '<&' || op === '>&-' || op === '<&-') && (target === null ? false : /^(\d+|-)$/.test(target))) return;
    if (target === null) {
      this.out.unresolved.push(`the redirection target ${JSON.stringify(dest.text)} is only known when the command runs`);
      return;
    }
    if (DEVICES.test(target)) return;
    const reads = op === '<' || op === '<>' || op === '<&';
    const writes = op !== '<' && op !== '<&';
    if (reads) this.file('fs.read', target);
    if (writes) this.file('fs.write', target);
  }

  private command(node: SyntaxNode, depth: number, top: boolean): void {
    const words: SyntaxNode[] = [];
    for (const c of node.namedChildren) {
      if (!c) continue;
      if (c.type === 'variable_assignment') this.assignment(c, depth);
      else if (c.type === 'file_redirect') this.redirect(c, depth);
      else if (c.type === 'herestring_redirect' || c.type === 'heredoc_redirect') this.hereRedirect(c, depth);
      else if (c.type === 'command_name') words.push(c.namedChildren[0] ?? c);
      else words.push(c);
    }
    for (const w of words) {
      if (w.type === 'command_substitution' || w.type === 'process_substitution') this.visit(w, depth, false);
      else this.substitutions(w, depth);
    }
    if (words.length === 0) return;
    const values = words.map((w) => this.value(w));
    const exact = values.every((v) => v !== null);
    const argv = values.map((v, i) => v ?? words[i]!.text);
    if (!exact) {
      const unknown = words.filter((_w, i) => values[i] === null).map((w) => JSON.stringify(w.text)).join(', ');
      this.out.unresolved.push(`${unknown} is only known when the command runs (an expansion or a glob)`);
    }
    if (values[0] === null) {
      this.out.unresolved.push(`the program ${JSON.stringify(words[0]!.text)} is only known when the command runs`);
      return;
    }
    this.argv(argv, exact, depth, top);
  }

  /** Judges one command and, for wrappers, shells and eval, the command they run. */
  private argv(argv: string[], exact: boolean, depth: number, top: boolean): void {
    const name = path.basename(argv[0]!);
    if (name === 'cd' || name === 'pushd') {
      const dir = argv.find((a, i) => i > 0 && !a.startsWith('-')) ?? '~';
      if (!exact || dir === '-') {
        this.out.unresolved.push('it changes to a directory only known when the command runs');
        return;
      }
      this.file('fs.list', dir);
      if (!top) this.out.unresolved.push('it changes directory inside a subshell, pipeline or substitution');
      else this.cwd = dir === '~' || dir.startsWith('~/') ? path.join(this.ctx.homeDir, dir.slice(1)) : path.resolve(this.cwd, dir);
      return;
    }
    this.exec(argv, exact);
    const inner = unwrap(argv);
    if (inner === undefined) return;
    if ('unknown' in inner) {
      this.out.unresolved.push(inner.unknown);
      return;
    }
    if ('script' in inner) {
      if (!exact) return; // the script text itself is unknown: already unresolved
      this.script(inner.script, this.cwd, depth + 1);
      return;
    }
    if (inner.argv.length > 0) this.argv(inner.argv, exact && inner.exact, depth, false);
  }

  /** A word's value when it is fixed before the command runs; null when it depends on expansion or globbing. */
  value(node: SyntaxNode): string | null {
    switch (node.type) {
      case 'word': return unquotedWord(node.text);
      case 'number': return node.text;
      case 'raw_string': return node.text.slice(1, -1);
      case 'string': {
        const inner = node.text.slice(1, -1);
        if (/(^|[^\\])(\\\\)*[$`]/.test(inner)) return null;
        const v = inner.replace(/\\([$`"\\\n])/g, (_m, c: string) => (c === '\n' ? '' : c));
        return v.startsWith('~') ? `./${v}` : v;
      }
      case 'concatenation': {
        // Unquoted braces next to other words are brace expansion (`{a,b}`, `x{1..3}`): the words are not fixed.
        if (node.namedChildren.some((c) => c?.type === 'word' && /[{}]/.test(c.text)) && /\{[^}]*(,|\.\.)[^}]*\}/.test(node.text)) return null;
        let out = '';
        for (const c of node.namedChildren) {
          if (!c) continue;
          const v = this.value(c);
          if (v === null) return null;
          out += out !== '' && c.type === 'string' && v.startsWith('./~') ? v.slice(2) : v;
        }
        // Text between named children (e.g. unquoted pieces tree-sitter keeps anonymous) must not be lost.
        return node.namedChildren.reduce((n, c) => n + (c ? c.text.length : 0), 0) === node.text.length ? out : null;
      }
      default: return null;
    }
  }
}

/** An unquoted word's value: backslash escapes removed; null when it would be globbed, brace-expanded or is ~user. */
function unquotedWord(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') out += text[i + 1];
      i++;
      continue;
    }
    if (ch === '*' || ch === '?' || ch === '[' || ch === '$' || ch === '`' || ch === '(' || ch === ')') return null;
    if (ch === '{' && /[,]|\.\./.test(text.slice(i))) return null;
    out += ch;
  }
  if (text.startsWith('~') && !(text === '~' || text.startsWith('~/'))) return null;
  return out;
}

type Inner = { argv: string[]; exact: boolean } | { script: string } | { unknown: string } | undefined;

/** Options that take a value, per wrapper, so the wrapped program is found after them. */
const WRAPPER_VALUE_OPTIONS: Record<string, ReadonlySet<string>> = {
  sudo: new Set(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T', '--user', '--group', '--host', '--prompt', '--chdir']),
  doas: new Set(['-u', '-C']),
  env: new Set(['-u', '--unset', '-C', '--chdir']),
  nice: new Set(['-n', '--adjustment']),
  ionice: new Set(['-c', '-n', '-p', '-P', '-u', '--class', '--classdata']),
  timeout: new Set(['-s', '--signal', '-k', '--kill-after']),
  stdbuf: new Set(['-i', '-o', '-e', '--input', '--output', '--error']),
  time: new Set(['-f', '--format', '-o', '--output']),
  exec: new Set(['-a']),
  xargs: new Set(['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s', '--arg-file', '--delimiter', '--max-args', '--max-procs', '--max-chars', '--max-lines', '--replace']),
  nohup: new Set(), command: new Set(), builtin: new Set(), setsid: new Set(), chronic: new Set(),
};

/** What a wrapper, a shell with -c or eval would run; undefined for an ordinary program. */
export function unwrap(argv: readonly string[]): Inner {
  const name = path.basename(argv[0]!);
  if (name === 'eval') return { script: argv.slice(1).join(' ') };
  if (SHELLS.has(name)) {
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--' || !a.startsWith('-') && !a.startsWith('+')) return undefined; // a script file: judged as argv
      if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a)) {
        const script = argv[i + 1];
        return script === undefined ? { unknown: `${name} -c without a command string` } : { script };
      }
      if (a === '-o' || a === '+o' || a === '-O' || a === '+O') i++;
    }
    return undefined;
  }
  if (name === 'find') {
    const i = argv.findIndex((a) => a === '-exec' || a === '-execdir' || a === '-ok' || a === '-okdir');
    if (i < 0) return undefined;
    const end = argv.findIndex((a, j) => j > i && (a === ';' || a === '+'));
    return { argv: argv.slice(i + 1, end < 0 ? undefined : end).filter((a) => a !== '{}'), exact: false };
  }
  const valueOptions = WRAPPER_VALUE_OPTIONS[name];
  if (!valueOptions || name === 'command' && argv.some((a) => a === '-v' || a === '-V')) return undefined;
  if ((name === 'sudo' || name === 'doas') && argv.some((a) => /^-[a-zA-Z]*[sie]/.test(a) && !valueOptions.has(a) || a === '--shell' || a === '--login' || a === '--edit')) {
    return { unknown: `${name} with a shell, login or edit option runs what cannot be judged from its arguments` };
  }
  if (name === 'env' && argv.some((a) => a === '-S' || a.startsWith('--split-string') || /^-[a-zA-Z]*S/.test(a))) {
    return { unknown: 'env -S splits a string into a command line Airlock does not read' };
  }
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (a.startsWith('-')) {
      if (valueOptions.has(a)) i++;
      continue;
    }
    if (name === 'env' && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      const variable = a.slice(0, a.indexOf('='));
      if (!HARMLESS_VARIABLES.has(variable)) return { unknown: `env sets ${JSON.stringify(variable)}, which can change what the command runs` };
      continue;
    }
    break;
  }
  if (name === 'timeout' && i < argv.length) i++; // the duration
  const rest = argv.slice(i);
  if (name === 'xargs') return { argv: rest.length > 0 ? rest : ['echo'], exact: false };
  return rest.length > 0 ? { argv: rest, exact: true } : undefined;
}
