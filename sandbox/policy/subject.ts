// An action normalised once for matching: the fs path, the parsed URL and address, or the argv; or why it cannot be.
import { AirlockError } from '../errors.js';
import { parseIp, type IpAddress } from './addresses.js';
import type { CompiledPolicy } from './compile.js';
import { parseActionUrl, type ParsedUrl } from './net.js';
import { normalisePath, type NormalisedPath } from './paths.js';
import { FS_RULE_OF, type Action, type FsActionKind } from './types.js';

export type Subject =
  | { readonly family: 'fs'; readonly kind: FsActionKind; readonly rule: 'read' | 'write'; readonly path: NormalisedPath }
  | { readonly family: 'net'; readonly url: ParsedUrl; readonly address?: IpAddress }
  | { readonly family: 'exec'; readonly argv: readonly string[]; readonly program?: string };

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
      if (action.address === undefined) return { family: 'net', url };
      const address = parseIp(action.address);
      if (!address) return { code: 'net.bad-address', why: `the resolved address ${JSON.stringify(action.address)} is not an IP address` };
      return { family: 'net', url, address };
    }
    case 'exec': {
      if (!Array.isArray(action.argv) || action.argv.length === 0 || action.argv[0] === '') {
        return { code: 'exec.empty', why: 'the command is empty; give an argv array starting with the program' };
      }
      if (action.argv.some((a) => typeof a !== 'string' || a.includes('\0'))) {
        return { code: 'exec.invalid', why: 'every argument must be a string without NUL characters' };
      }
      return { family: 'exec', argv: action.argv, ...(action.program !== undefined ? { program: action.program } : {}) };
    }
    default: {
      const kind = action.kind;
      const rule = FS_RULE_OF[kind];
      if (rule === undefined) return { code: 'action.unknown', why: `${String(kind)} is not an action Airlock knows` };
      try {
        return { family: 'fs', kind, rule, path: normalisePath(policy.workspaceRoot, policy.homeDir, action.path, { caseInsensitive: policy.matchers.caseInsensitive }) };
      } catch (e) {
        return { code: e instanceof AirlockError ? e.code : 'path.invalid', why: e instanceof Error ? e.message.replace(/\.$/, '') : 'the path is invalid' };
      }
    }
  }
}

export function isUnmatchable(s: Subject | Unmatchable): s is Unmatchable {
  return 'code' in s;
}
