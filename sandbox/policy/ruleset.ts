// One layer's (or one task scope's) rules, compiled: the union of its sources' fs, net and exec allow/deny lists.
import { compileExecList, type ExecList } from './exec.js';
import { compileGlobList, type GlobContext, type GlobList } from './globs.js';
import { compileNetList, type NetList } from './net.js';
import type { Scope } from './schema.js';
import type { PolicySource } from './source.js';
import { compileToolList, type ToolList } from './tools.js';
import type { Layer, RuleRef } from './types.js';

export interface AllowDeny<L> { readonly allow: L; readonly deny: L }

export interface RuleSet {
  readonly layer: Layer;
  readonly fsRead: AllowDeny<GlobList>;
  readonly fsWrite: AllowDeny<GlobList>;
  readonly net: AllowDeny<NetList>;
  readonly exec: AllowDeny<ExecList>;
  readonly tools: AllowDeny<ToolList>;
}

/** One source of rules: a policy document (or a task scope inside one) and where its rules sit in the file. */
export interface ScopeEntry {
  readonly scope: Scope;
  readonly file?: string;
  /** JSON path of the scope object inside the file: [] for a policy document, ['tasks', name, 'scope'] for a template. */
  readonly prefix: readonly (string | number)[];
  readonly locate?: PolicySource['locate'];
}

/** `fs.write.deny[0]`, `tasks["my task"].scope.net.allow[1]`. */
export function formatJsonPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function refOf(layer: Layer, e: ScopeEntry, rest: readonly (string | number)[], pattern: string): RuleRef {
  const segments = [...e.prefix, ...rest];
  let pos: { line: number; col: number } | undefined;
  try {
    pos = e.locate?.(segments);
  } catch {
    pos = undefined; // a position is a courtesy; never let it break a decision
  }
  return {
    layer,
    ...(e.file !== undefined ? { file: e.file } : {}),
    jsonPath: formatJsonPath(segments),
    pattern,
    ...(pos ? { line: pos.line, col: pos.col } : {}),
  };
}

type ListName = 'allow' | 'deny';

function collect<T>(layer: Layer, entries: readonly ScopeEntry[], pick: (s: Scope) => Partial<Record<ListName, readonly T[]>> | undefined,
  keys: readonly string[], list: ListName, show: (p: T) => string): Array<{ pattern: T; ref: RuleRef }> {
  const out: Array<{ pattern: T; ref: RuleRef }> = [];
  for (const e of entries) {
    const items = pick(e.scope)?.[list] ?? [];
    items.forEach((pattern, i) => out.push({ pattern, ref: refOf(layer, e, [...keys, list, i], show(pattern)) }));
  }
  return out;
}

export function compileRuleSet(layer: Layer, entries: readonly ScopeEntry[], ctx: GlobContext): RuleSet {
  // Deny lists cover everything under what they name; allow lists match exactly what they name.
  const globs = (which: 'read' | 'write', list: ListName) =>
    compileGlobList(collect<string>(layer, entries, (s) => s.fs?.[which], ['fs', which], list, (p) => p), ctx, list === 'deny');
  const nets = (list: ListName) => compileNetList(collect<string>(layer, entries, (s) => s.net, ['net'], list, (p) => p));
  const execs = (list: ListName) => compileExecList(
    collect<readonly string[]>(layer, entries, (s) => s.exec, ['exec'], list, (p) => JSON.stringify(p)), ctx.caseInsensitive);
  const tools = (list: ListName) => compileToolList(collect<string>(layer, entries, (s) => s.tools, ['tools'], list, (p) => p), ctx.caseInsensitive);
  return {
    layer,
    fsRead: { allow: globs('read', 'allow'), deny: globs('read', 'deny') },
    fsWrite: { allow: globs('write', 'allow'), deny: globs('write', 'deny') },
    net: { allow: nets('allow'), deny: nets('deny') },
    exec: { allow: execs('allow'), deny: execs('deny') },
    tools: { allow: tools('allow'), deny: tools('deny') },
  };
}
