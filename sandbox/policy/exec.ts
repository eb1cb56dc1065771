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
import type { RuleRef } from './types.js';

export interface ExecRule { readonly index: number; readonly ref: RuleRef; readonly pattern: readonly string[] }

export interface ExecList {
  readonly rules: readonly ExecRule[];
  /** Rules whose program element is a bare name, by that name (case-folded where the file system is). */
  readonly byName: ReadonlyMap<string, readonly ExecRule[]>;
  readonly otherRules: readonly ExecRule[];
}

export interface ExecSubject { readonly argv: readonly string[]; readonly program?: string }

const hasSlash = (s: string) => s.includes('/') || (path.sep === '\\' && s.includes('\\'));
const baseName = (s: string) => s.split(/[\\/]/).pop() ?? s;

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
  const rules = entries.map((e, index) => {
    validateArgvPattern(e.pattern, e.ref);
    return { index, ref: e.ref, pattern: [...e.pattern] };
  });
  const byName = new Map<string, ExecRule[]>();
  const otherRules: ExecRule[] = [];
  for (const r of rules) {
    const p0 = r.pattern[0]!;
    if (p0 !== '*' && p0 !== '**' && !hasSlash(p0)) {
      const key = caseInsensitive ? p0.toLowerCase() : p0;
      byName.set(key, [...(byName.get(key) ?? []), r]);
    } else {
      otherRules.push(r);
    }
  }
  return { rules, byName, otherRules };
}

export const EMPTY_EXEC_LIST: ExecList = { rules: [], byName: new Map(), otherRules: [] };

function programMatches(p0: string, s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean): boolean {
  if (p0 === '*' || p0 === '**') return true;
  const argv0 = s.argv[0] ?? '';
  const eq = (a: string, b: string) => (caseInsensitive ? a.toLowerCase() === b.toLowerCase() : a === b);
  if (hasSlash(p0)) {
    if (mode === 'deny') return (s.program !== undefined && eq(s.program, p0)) || eq(argv0, p0);
    return s.program !== undefined ? s.program === p0 : path.isAbsolute(argv0) && argv0 === p0;
  }
  if (mode === 'deny') return eq(baseName(argv0), p0) || (s.program !== undefined && eq(baseName(s.program), p0));
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

/** The first rule (in written order) matching the command, or undefined. */
export function matchExecList(list: ExecList, s: ExecSubject, mode: 'allow' | 'deny', caseInsensitive: boolean): RuleRef | undefined {
  if (list.rules.length === 0 || s.argv.length === 0) return undefined;
  const fold = (k: string) => (caseInsensitive ? k.toLowerCase() : k);
  const names = new Set([fold(s.argv[0]!)]);
  if (mode === 'deny') {
    names.add(fold(baseName(s.argv[0]!)));
    if (s.program !== undefined) names.add(fold(baseName(s.program)));
  }
  let best: ExecRule | undefined;
  for (const name of names) {
    for (const r of list.byName.get(name) ?? []) {
      if (best && r.index > best.index) break;
      if (argvPatternMatches(r.pattern, s, mode, caseInsensitive)) { best = r; break; }
    }
  }
  for (const r of list.otherRules) {
    if (best && r.index > best.index) break;
    if (argvPatternMatches(r.pattern, s, mode, caseInsensitive)) { best = r; break; }
  }
  return best?.ref;
}
