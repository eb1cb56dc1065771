// Parses policy text as JSON with comments and maps JSON paths and offsets back to 1-based line:col positions.
import { createScanner, findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node, ParseError } from 'jsonc-parser';

export type JsonPath = readonly (string | number)[];
export interface Position { line: number; col: number }

/** A parsed document that can say where each value (or key) is written. */
export interface LocatedJson {
  value: unknown;
  /** Position of the value at `path`, or of its closest written ancestor when the value is missing. */
  locate(path: JsonPath): Position | undefined;
  /** Position of the key of the property at `path` (for unknown fields), falling back to `locate`. */
  locateKey(path: JsonPath): Position | undefined;
  /** Duplicate object keys: JSON parsers keep the last one silently, which hides rules from the reader. */
  duplicateKeys: { path: JsonPath; key: string; position: Position }[];
}

export interface JsonSyntaxError { message: string; position: Position }

/** `fs.write.allow[2]`, the form every message uses. Keys that are not identifiers are quoted: `tasks["fix bug"]`. */
export function formatJsonPath(path: JsonPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) starts.push(i + 1);
    else if (ch === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
  }
  return starts;
}

/** 1-based line and column of a character offset. */
export function positionOf(starts: readonly number[], offset: number): Position {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - (starts[lo] ?? 0) + 1 };
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'unexpected character; JSON values are objects, arrays, strings in double quotes, numbers, true, false or null',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a field name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the field name',
  CommaExpected: 'expected a comma between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'unexpected text after the end of the policy object',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'unterminated /* comment */',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character in string',
  InvalidCharacter: 'invalid character in string (control characters must be escaped)',
};

function syntaxMessage(error: ParseError): string {
  const name = printParseErrorCode(error.error);
  return `invalid JSON: ${SYNTAX_MESSAGES[name] ?? name}`;
}

function childPath(parent: JsonPath, node: Node, index: number): JsonPath {
  if (node.type === 'property') {
    const key = node.children?.[0]?.value;
    return [...parent, typeof key === 'string' ? key : String(index)];
  }
  return [...parent, index];
}

function collectDuplicates(node: Node, path: JsonPath, starts: readonly number[], out: LocatedJson['duplicateKeys']): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const prop of node.children ?? []) {
      const keyNode = prop.children?.[0];
      const key = keyNode?.value;
      if (typeof key !== 'string' || !keyNode) continue;
      if (seen.has(key)) out.push({ path, key, position: positionOf(starts, keyNode.offset) });
      seen.add(key);
      const valueNode = prop.children?.[1];
      if (valueNode) collectDuplicates(valueNode, [...path, key], starts, out);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => collectDuplicates(child, childPath(path, child, i), starts, out));
  }
}

/**
 * One located error for a bracket that is never closed, or closed by the other kind: the parser's recovery turns one
 * missing "]" into a cascade of errors, none of which names the bracket. Undefined when the brackets pair up.
 */
// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read: its values, as the library declares them.
const SyntaxKind = { OpenBraceToken: 1, CloseBraceToken: 2, OpenBracketToken: 3, CloseBracketToken: 4, EOF: 17 } as const;

function unclosedBracket(text: string, starts: readonly number[]): JsonSyntaxError | undefined {
  const scanner = createScanner(text, false);
  const open: { ch: '[' | '{'; offset: number }[] = [];
  const what = (ch: '[' | '{') => (ch === '[' ? 'array' : 'object');
  const closer = (ch: '[' | '{') => (ch === '[' ? ']' : '}');
  for (let kind: number = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind === SyntaxKind.OpenBracketToken || kind === SyntaxKind.OpenBraceToken) {
      open.push({ ch: kind === SyntaxKind.OpenBracketToken ? '[' : '{', offset: scanner.getTokenOffset() });
    } else if (kind === SyntaxKind.CloseBracketToken || kind === SyntaxKind.CloseBraceToken) {
      const found = kind === SyntaxKind.CloseBracketToken ? ']' : '}';
      const top = open.pop();
      if (!top) return { message: `invalid JSON: this "${found}" closes nothing; remove it`, position: positionOf(starts, scanner.getTokenOffset()) };
      if (closer(top.ch) !== found) {
        const at = positionOf(starts, top.offset);
        return {
          message: `invalid JSON: the ${what(top.ch)} opened at ${at.line}:${at.col} is never closed; a "${closer(top.ch)}" is likely missing before this "${found}"`,
          position: positionOf(starts, scanner.getTokenOffset()),
        };
      }
    }
  }
  const last = open.at(-1);
  if (!last) return undefined;
  const at = positionOf(starts, last.offset);
  return {
    message: `invalid JSON: the ${what(last.ch)} opened at ${at.line}:${at.col} is never closed; a "${closer(last.ch)}" is likely missing`,
    position: positionOf(starts, text.trimEnd().length),
  };
}

/** Parses JSON with comments (and trailing commas); syntax errors come back with their positions, never thrown. */
export function parseLocatedJson(text: string): { ok: true; json: LocatedJson } | { ok: false; errors: JsonSyntaxError[] } {
  const starts = lineStarts(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  if (errors.length > 0 || !root) {
    const bracket = errors.length > 0 ? unclosedBracket(text, starts) : undefined;
    if (bracket) return { ok: false, errors: [bracket] };
    const list = errors.length > 0
      ? errors.map((e) => ({ message: syntaxMessage(e), position: positionOf(starts, e.offset) }))
      : [{ message: 'invalid JSON: the file is empty; a policy is an object such as {"version": 1}', position: { line: 1, col: 1 } }];
    return { ok: false, errors: list };
  }
  const nodeAt = (path: JsonPath): Node | undefined => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = findNodeAtLocation(root, [...path.slice(0, depth)]);
      if (node) return node;
    }
    return root;
  };
  const duplicateKeys: LocatedJson['duplicateKeys'] = [];
  collectDuplicates(root, [], starts, duplicateKeys);
  return {
    ok: true,
    json: {
      value: getNodeValue(root),
      duplicateKeys,
      locate: (path) => {
        const node = nodeAt(path);
        return node ? positionOf(starts, node.offset) : undefined;
      },
      locateKey: (path) => {
        const value = path.length > 0 ? findNodeAtLocation(root, [...path]) : undefined;
        const key = value?.parent?.type === 'property' ? value.parent.children?.[0] : undefined;
        if (key) return positionOf(starts, key.offset);
        const node = nodeAt(path);
        return node ? positionOf(starts, node.offset) : undefined;
      },
    },
  };
}
