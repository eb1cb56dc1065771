// Tool rules: globs over `server/tool` names (an MCP server's tool, or an agent's own), compiled once, matched in order.
import micromatch from 'micromatch';
import { AirlockError } from '../errors.js';
import { allowedBy, deniedBy, describeRule } from './format.js';
import type { RuleRef } from './types.js';

export interface ToolRule {
  readonly index: number;
  readonly ref: RuleRef;
  readonly re: RegExp;
  readonly text: string;
  readonly allowedBy: string;
  readonly deniedBy: string;
}

export interface ToolList { readonly rules: readonly ToolRule[] }

/** A tool name is `server/tool`: two non-empty parts without control characters, the server part without "/". */
export function isToolName(name: string): boolean {
  const slash = name.indexOf('/');
  return slash > 0 && slash < name.length - 1 && !/[\u0000-\u001f]/.test(name);
}

/** Checks a pattern's shape: `server/tool`, each part a glob (`github/*`, `*\/read_*`). */
export function validateToolPattern(pattern: string): void {
  const parts = pattern.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new AirlockError({
      code: 'policy.invalid-pattern',
      message: `The tool pattern ${JSON.stringify(pattern)} is not "server/tool"; write e.g. "github/get_issue" or "github/*"`,
    });
  }
}

export function compileToolList(items: ReadonlyArray<{ pattern: string; ref: RuleRef }>, caseInsensitive = false): ToolList {
  return {
    rules: items.map(({ pattern, ref }, index) => {
      validateToolPattern(pattern);
      // "*" never crosses the "/" between server and tool: each part is matched on its own.
      const re = micromatch.makeRe(pattern, { dot: true, nocase: caseInsensitive });
      const text = describeRule(ref);
      return { index, ref, re, text, allowedBy: allowedBy(text), deniedBy: deniedBy(text) };
    }),
  };
}

/** A literal tool name as a pattern that matches only it. */
export function escapeToolName(name: string): string {
  return name.replace(/[\\*?[\]{}()!+@|]/g, '\\$&');
}

export function firstToolRule(list: ToolList, tool: string): ToolRule | undefined {
  for (const r of list.rules) if (r.re.test(tool)) return r;
  return undefined;
}
