// An action normalised once for matching: the fs path, the parsed URL and address, or the argv; or why it cannot be.
import { AirlockError } from '../errors.js';
import { parseIp, type IpAddress } from './addresses.js';
import type { CompiledPolicy } from './compile.js';
import { parseActionUrl, type ParsedUrl } from './net.js';
import { isToolName } from './tools.js';
import { normalisePath, type NormalisedPath, type PathOptions } from './paths.js';
import { FS_RULE_OF, type Action, type FsActionKind } from './types.js';

export type Subject =
  | { readonly family: 'fs'; readonly kind: FsActionKind; readonly rule: 'read' | 'write'; readonly path: NormalisedPath }
  | { readonly family: 'net'; readonly url: ParsedUrl; readonly address?: IpAddress }
  | { readonly family: 'exec'; readonly argv: readonly string[]; readonly program?: string }
  | { readonly family: 'tool'; readonly tool: string };

/**
 * Every subject is built here with the same fields in the same order (the unused ones undefined), so they share one
 * hidden class: the matchers read them at call sites that see every family, and five shapes would make those sites
 * megamorphic (slow property lookups).
 */
function subject(family: Subject['family'], kind: FsActionKind | undefined, rule: 'read' | 'write' | undefined, path: NormalisedPath | undefined,
  url: ParsedUrl | undefined, address: IpAddress | undefined, argv: readonly string[] | undefined, program: string | undefined): Subject {
  return { family, kind, rule, path, url, address, argv, program } as Subject;
}

// normalisePath's options, made once rather than per action.
const CASE_SENSITIVE: PathOptions = Object.freeze({ caseInsensitive: false });
const CASE_INSENSITIVE: PathOptions = Object.freeze({ caseInsensitive: true });

/** Why an action cannot even be matched (an invalid path or URL): a stable code and a sentence for the agent. */
export interface Unmatchable { readonly code: string; readonly why: string }

export function toSubject(policy: CompiledPolicy, action: Action): Subject | Unmatchable {
  switch (action.kind) {
    case 'net.fetch': {
      let url: ParsedUrl;
      try {
        url = parseActionUrl(action.url);
      } catch (e) {
        return { code: e instanceof AirlockError ? e.code : 'net.bad-url', why: 'it is not a valid absolute URL' };
      }
      if (action.address === undefined) return subject('net', undefined, undefined, undefined, url, undefined, undefined, undefined);
      const address = parseIp(action.address);
      if (!address) return { code: 'net.bad-address', why: `the resolved address ${JSON.stringify(action.address)} is not an IP address` };
      return subject('net', undefined, undefined, undefined, url, address, undefined, undefined);
    }
    case 'exec': {
      if (!Array.isArray(action.argv) || action.argv.length === 0 || action.argv[0] === '') {
        return { code: 'exec.empty', why: 'the command is empty; give an argv array starting with the program' };
      }
      if (action.argv.some((a) => typeof a !== 'string' || a.includes('\0'))) {
        return { code: 'exec.invalid', why: 'every argument must be a string without NUL characters' };
      }
      return subject('exec', undefined, undefined, undefined, undefined, undefined, action.argv, action.program);
    }
    case 'tool': {
      if (typeof action.tool !== 'string' || !isToolName(action.tool)) {
        return { code: 'tool.invalid', why: 'a tool is named "server/tool"' };
      }
      // Tools are rare next to file actions: their own shape does not slow the others' call sites.
      return { family: 'tool', tool: action.tool };
    }
    default: {
      const kind = action.kind;
      const rule = FS_RULE_OF[kind];
      if (rule === undefined) return { code: 'action.unknown', why: `${String(kind)} is not an action Airlock knows` };
      try {
        const path = normalisePath(policy.workspaceRoot, policy.homeDir, action.path, policy.matchers.caseInsensitive ? CASE_INSENSITIVE : CASE_SENSITIVE);
        return subject('fs', kind, rule, path, undefined, undefined, undefined, undefined);
      } catch (e) {
        return { code: e instanceof AirlockError ? e.code : 'path.invalid', why: e instanceof Error ? e.message.replace(/\.$/, '') : 'the path is invalid' };
      }
    }
  }
}

export function isUnmatchable(s: Subject | Unmatchable): s is Unmatchable {
  return 'code' in s;
}
