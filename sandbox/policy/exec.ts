// Command rules: argv patterns matched element by element (`*` one argument, `**` the rest), never shell strings.
//
// The program element (conservative by design):
//   - A name without "/" (e.g. "npm"). To ALLOW, argv[0] must be exactly that name (a PATH lookup: "./npm" or
//     "bin/npm" never match, so an agent cannot plant its own "npm") and, when the guard resolved the program, the
//     resolved file's basename must be that name too. To DENY, it is enough that the basename of argv[0] or of the
//     resolved program is that name ("/usr/bin/rm" and "./rm" are denied by ["rm", "**"]).
//   - A path with "/" (e.g. "/usr/bin/git") matches the resolved absolute program exactly (to allow; argv[0] itself
//     when no program was resolved and it is absolute); to deny, either one equal to it suffices.
//   - "*" matches any program; ["**"] matches every command.
// Other elements are literal and compared exactly: no globbing inside an element.
import path from 'node:path';
import { AirlockError } from '../errors.js';
import { allowedBy, deniedBy, describeRule } from './format.js';
import type { RuleRef } from './types.js';

export interface ExecRule {
  readonly index: number;
  readonly ref: RuleRef;
  readonly pattern: readonly string[];
  /** `describeRule(ref)`, and the ends of the allow and deny reasons naming it: computed once, a decision only concatenates. */
  readonly text: string;
  readonly allowedBy: string;
  readonly deniedBy: string;
}

/**
 * Rules sharing a program name, in a trie over their leading literal arguments: a node holds the rules whose literal
 * arguments end there (`["npm", "run", "*"]` sits under "run"), so a command is only tried against rules whose literal
 * arguments it starts with. Arguments are compared exactly (never case-folded), so a literal argument is an exact key.
 */
interface ArgNode {
  readonly rules: readonly ExecRule[];
  readonly children: ReadonlyMap<string, ArgNode> | null;
}

export interface ExecList {
  readonly rules: readonly ExecRule[];
  /** Rules whose program element is a bare name, by that name (case-folded where the file system is). */
  readonly byName: ReadonlyMap<string, ArgNode>;
  readonly otherRules: readonly ExecRule[];
}

export interface ExecSubject { readonly argv: readonly string[]; readonly program?: string }

const hasSlash = (s: string) => s.includes('/') || (path.sep === '\\' && s.includes('\\'));
/** What follows the last `/` or `\\` (the whole string when there is none). */
const baseName = (s: string) => s.slice(Math.max(s.lastIndexOf('/'), s.lastIndexOf('\\')) + 1);

export function validateArgvPattern(pattern: readonly string[], ref?: RuleRef): void {
  const bad = (why: string) => new AirlockError({
    code: 'policy.bad-pattern',
    message: `The argv pattern ${JSON.stringify(pattern)} is not valid: ${why}.`,
    ...(ref ? { place: { file: ref.file, line: ref.line, col: ref.col, jsonPath: ref.jsonPath } } : {}),
  });
  if (pattern.length === 0) throw bad('it is empty; write the program first, e.g. ["npm", "test"]');
  pattern.forEach((el, i) => {
    if (el === '**' && i !== pattern.length - 1) throw bad('"**" (the rest of the arguments) may only be the last element');
    if (el === '') throw bad(`element ${i} is empty`);
  });
}

export function compileExecList(entries: ReadonlyArray<{ pattern: readonly string[]; ref: RuleRef }>, caseInsensitive: boolean): ExecList {
  const rules = entries.map((e, index): ExecRule => {
    validateArgvPattern(e.pattern, e.ref);
    const text = describeRule(e.ref);
    return { index, ref: e.ref, pattern: [...e.pattern], text, allowedBy: allowedBy(text), deniedBy: deniedBy(text) };
  });
  const byName = new Map<string, MutableArgNode>();
  const otherRules: ExecRule[] = [];
  for (const r of rules) {
    const p0 = r.pattern[0]!;
    if (p0 !== '*' && p0 !== '**' && !hasSlash(p0)) {
      const key = caseInsensitive ? p0.toLowerCase() : p0;
      let node: MutableArgNode | undefined = byName.get(key);
      if (!node) byName.set(key, node = { rules: [], children: new Map() });
      for (let i = 1; i < r.pattern.length; i++) {
        const el = r.pattern[i]!;
        if (el === '*' || el === '**') break;
        let next: MutableArgNode | undefined = node.children.get(el);
        if (!next) node.children.set(el, next = { rules: [], children: new Map() });
        node = next;
      }
      node.rules.push(r);
    } else {
      otherRules.push(r);
    }
  }
  return { rules, byName: new Map([...byName].map(([k, v]) => [k, freeze(v)])), otherRules };
}

interface MutableArgNode { rules: ExecRule[]; children: Map<string, MutableArgNode> }

function freeze(n: MutableArgNode): ArgNode {
  return { rules: n.rules, children: n.children.size > 0 ? new Map([...n.children].map(([k, v]) => [k, freeze(v)])) : null };
}

const eq = (a: string, b: string, caseInsensitive: boolean) => (caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);

function programMatches(p0: string, s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean): boolean {
  if (p0 === '*' || p0 === '**') return true;
  const argv0 = s.argv[0] ?? '';
  if (hasSlash(p0)) {
    if (mode === 'deny') return (s.program !== undefined && eq(s.program, p0, caseInsensitive)) || eq(argv0, p0, caseInsensitive);
    return s.program !== undefined ? s.program === p0 : path.isAbsolute(argv0) && argv0 === p0;
  }
  if (mode === 'deny') return eq(baseName(argv0), p0, caseInsensitive) || (s.program !== undefined && eq(baseName(s.program), p0, caseInsensitive));
  return !hasSlash(argv0) && argv0 === p0 && (s.program === undefined || baseName(s.program) === p0);
}

export function argvPatternMatches(pattern: readonly string[], s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean): boolean {
  const p0 = pattern[0];
  if (p0 === undefined || s.argv.length === 0) return false;
  if (p0 === '**') return true;
  if (!programMatches(p0, s, mode, caseInsensitive)) return false;
  for (let i = 1; i < pattern.length; i++) {
    const el = pattern[i]!;
    if (el === '**') return true;
    const arg = s.argv[i];
    if (arg === undefined) return false;
    if (el !== '*' && el !== arg) return false;
  }
  return s.argv.length === pattern.length;
}

/** The first rule of `rules` (in written order) matching, unless `best` (an earlier rule) already does. */
function firstIn(rules: readonly ExecRule[] | undefined, s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean, best: ExecRule | undefined): ExecRule | undefined {
  if (rules === undefined) return best;
  for (const r of rules) {
    if (best && r.index > best.index) break;
    if (argvPatternMatches(r.pattern, s, mode, caseInsensitive)) return r;
  }
  return best;
}

/** Walks a program's trie along the command's arguments, keeping the earliest matching rule. */
function firstForName(root: ArgNode | undefined, s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean, best: ExecRule | undefined): ExecRule | undefined {
  let node = root;
  for (let i = 1; node !== undefined; i++) {
    best = firstIn(node.rules, s, mode, caseInsensitive, best);
    const arg = s.argv[i];
    if (node.children === null || arg === undefined) break;
    node = node.children.get(arg);
  }
  return best;
}

/** The first rule (in written order) matching the command, with its description, or undefined. */
export function firstExecRule(list: ExecList, s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean): ExecRule | undefined {
  if (list.rules.length === 0 || s.argv.length === 0) return undefined;
  const fold = (k: string) => (caseInsensitive ? k.toLowerCase() : k);
  // The names a bare-name rule can match by: argv[0] (allow); also the basenames of argv[0] and the program (deny).
  const name = fold(s.argv[0]!);
  let best = firstForName(list.byName.get(name), s, mode, caseInsensitive, undefined);
  if (mode === 'deny') {
    const base = fold(baseName(s.argv[0]!));
    if (base !== name) best = firstForName(list.byName.get(base), s, mode, caseInsensitive, best);
    if (s.program !== undefined) {
      const prog = fold(baseName(s.program));
      if (prog !== name && prog !== base) best = firstForName(list.byName.get(prog), s, mode, caseInsensitive, best);
    }
  }
  return firstIn(list.otherRules, s, mode, caseInsensitive, best);
}


/**
 * What a command's arguments could name as paths: each argument (argv[1..]), the value of `--opt=value`, and every tail of
 * a short-option cluster (`-oFILE`, `-no.git/config`: the attached value may start after any letter). Pure; the caller
 * resolves them against the working directory.
 */
export function argumentPathCandidates(argv: readonly string[]): { index: number; candidate: string }[] {
  const out: { index: number; candidate: string }[] = [];
  const add = (index: number, candidate: string) => {
    if (candidate !== '' && !candidate.includes('\0')) out.push({ index, candidate });
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-') || arg === '-') {
      add(i, arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq >= 0) add(i, arg.slice(eq + 1));
    if (!arg.startsWith('--')) {
      const end = eq >= 0 ? eq : arg.length;
      for (let k = 2; k < end; k++) add(i, arg.slice(k, end));
      if (eq >= 0) for (let k = 2; k < arg.length; k++) add(i, arg.slice(k));
    }
  }
  return out;
}
