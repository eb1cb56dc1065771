// "Always allow in workspace": the allow rule an answered request adds to .airlock/policy.json, as a comment-keeping edit.
import { applyEdits, findNodeAtLocation, modify, parse, parseTree, type JSONPath, type ParseError } from 'jsonc-parser';
import type { ApprovalRequest } from '../../sandbox/protocol/protocol.js';
import { displaySafe } from '../../sandbox/protocol/display.js';

export interface AllowRule { path: JSONPath; value: string | string[]; shown: string }

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/** The rule for a request, or why none can be written safely (the caller then keeps it a task grant). */
export function ruleFor(request: ApprovalRequest): { ok: true; rule: AllowRule } | { ok: false; reason: string } {
  const a = request.action as { kind: string; path?: string; url?: string; argv?: readonly string[] };
  if (a.kind === 'exec') {
    const argv = [...(a.argv ?? [])];
    if (argv.length === 0) return { ok: false, reason: 'the command is empty' };
    if (argv.some((w) => w === '*' || w === '**')) return { ok: false, reason: 'an argument is a pattern token (* or **)' };
    return { ok: true, rule: { path: ['exec', 'allow'], value: argv, shown: JSON.stringify(argv) } };
  }
  if (a.kind === 'net.fetch') {
    let url: URL;
    try {
      url = new URL(a.url ?? '');
    } catch {
      return { ok: false, reason: 'the URL does not parse' };
    }
    const pattern = `${url.protocol}//${url.host}${url.pathname}`;
    if (/[*?]/.test(pattern) || url.username || url.password) return { ok: false, reason: 'the URL holds pattern characters or credentials' };
    return { ok: true, rule: { path: ['net', 'allow'], value: pattern, shown: pattern } };
  }
  const list = ['fs.read', 'fs.list', 'fs.stat'].includes(a.kind) ? 'read' : ['fs.write', 'fs.delete', 'fs.mkdir'].includes(a.kind) ? 'write' : undefined;
  if (!list) return { ok: false, reason: `unknown action ${a.kind}` };
  // The harness shows fs targets workspace-relative; anything else (absolute, outside, a glob) is not written as a rule.
  const target = request.target;
  if (!target || target.startsWith('/') || /^[a-zA-Z]:/.test(target) || target.split('/').includes('..') || target.startsWith('~')) {
    return { ok: false, reason: `${displaySafe(target)} is not a path inside the workspace` };
  }
  if (GLOB_CHARS.test(target)) return { ok: false, reason: `${displaySafe(target)} holds glob characters, which a rule would read as a pattern` };
  if (target !== displaySafe(target)) return { ok: false, reason: 'the path holds control or invisible characters' };
  return { ok: true, rule: { path: ['fs', list, 'allow'], value: target, shown: target } };
}

/** The new policy text with the rule appended to its list (created if missing); comments and formatting are kept. */
export function addRule(text: string, rule: AllowRule): { text: string; alreadyThere: boolean } {
  const errors: ParseError[] = [];
  const doc = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  if (errors.length > 0 || !doc || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error('the workspace policy is not valid JSON with comments; fix it first (see the Problems panel)');
  }
  let node: unknown = doc;
  for (const key of rule.path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key as string] : undefined;
  if (node !== undefined && !Array.isArray(node)) throw new Error(`${rule.path.join('.')} in the workspace policy is not a list`);
  const list = (node as unknown[] | undefined) ?? [];
  if (list.some((v) => JSON.stringify(v) === JSON.stringify(rule.value))) return { text, alreadyThere: true };
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const value = JSON.stringify(rule.value).replace(/","/g, '", "');
  const arrayNode = node === undefined ? undefined : findNodeAtLocation(parseTree(text, [], { allowTrailingComma: true })!, rule.path);
  if (arrayNode) {
    // Append by hand after the last element, in the list's own layout: jsonc-parser's modify would reformat the list.
    const last = arrayNode.children?.at(-1);
    const oneLine = !text.slice(arrayNode.offset, arrayNode.offset + arrayNode.length).includes('\n');
    if (!last) return { text: `${text.slice(0, arrayNode.offset + 1)}${value}${text.slice(arrayNode.offset + 1)}`, alreadyThere: false };
    const at = last.offset + last.length;
    const lineStart = text.lastIndexOf('\n', last.offset) + 1;
    const lastIndent = /^[ \t]*/.exec(text.slice(lineStart))?.[0] ?? '';
    const insert = oneLine ? `, ${value}` : `,${eol}${lastIndent}${value}`;
    return { text: text.slice(0, at) + insert + text.slice(at), alreadyThere: false };
  }
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
  const formattingOptions = { insertSpaces: !indent.includes('\t'), tabSize: indent.includes('\t') ? 1 : indent.length, eol };
  return { text: applyEdits(text, modify(text, rule.path, [rule.value], { formattingOptions })), alreadyThere: false };
}

/** A new workspace policy holding only this rule on top of the default preset. */
export function newPolicyWithRule(rule: AllowRule, schemaUri: string): string {
  const base = `{\n  "$schema": ${JSON.stringify(schemaUri)},\n  // Created by Airlock when you chose "Always allow in workspace".\n  "version": 1,\n  "extends": ["airlock:default"]\n}\n`;
  return addRule(base, rule).text;
}

/** A minimal unified diff (changed line ranges only), to show what was added. */
export function lineDiff(before: string, after: string): string {
  const a = before.split(/\r?\n/);
  const b = after.split(/\r?\n/);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length - 1;
  let endB = b.length - 1;
  while (endA >= start && endB >= start && a[endA] === b[endB]) { endA--; endB--; }
  const out = [`@@ -${start + 1},${endA - start + 1} +${start + 1},${endB - start + 1} @@`];
  for (let i = start; i <= endA; i++) out.push(`-${a[i]}`);
  for (let i = start; i <= endB; i++) out.push(`+${b[i]}`);
  return out.join('\n');
}
