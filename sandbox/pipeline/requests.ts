// Translates between what an agent asks for (requests, isolate capability calls) and the actions the policy decides.
import type { Action } from '../policy/types.js';
import type { CapabilityName, JsonValue } from '../isolate/types.js';
import { AirlockError } from '../errors.js';
import type { ActionRequest } from './types.js';

/** The action the policy decides for a request. */
export function actionOf(req: ActionRequest): Action {
  switch (req.action) {
    case 'net.fetch': return { kind: 'net.fetch', url: req.url, method: (req.method ?? 'GET').toUpperCase() };
    case 'exec': return { kind: 'exec', argv: req.argv, ...(req.cwd !== undefined ? { cwd: req.cwd } : {}) };
    default: return { kind: req.action, path: req.path };
  }
}

function str(v: JsonValue | undefined, what: string): string {
  if (typeof v !== 'string') throw new AirlockError({ code: 'script.bad-argument', message: `${what} must be a string` });
  return v;
}

function obj(v: JsonValue | undefined): Record<string, JsonValue> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

function optionalString(v: JsonValue | undefined, what: string): string | undefined {
  return v === undefined || v === null ? undefined : str(v, what);
}

function stringRecord(v: JsonValue | undefined, what: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(obj(v))) out[k] = str(val, `${what}.${k}`);
  return out;
}

/** Maps an `airlock.*` call made inside a script to the request it stands for; bad arguments are refused with a reason. */
export function requestOfCapability(name: CapabilityName, args: JsonValue[]): ActionRequest {
  const [a0, a1] = args;
  switch (name) {
    case 'fs.readFile': {
      const encoding = obj(a1)['encoding'] ?? 'utf8';
      if (encoding !== 'utf8' && encoding !== 'base64') {
        throw new AirlockError({ code: 'script.bad-argument', message: 'airlock.fs.readFile: encoding must be "utf8" or "base64"' });
      }
      return { action: 'fs.read', path: str(a0, 'airlock.fs.readFile(path)'), encoding };
    }
    case 'fs.writeFile': {
      const encoding = obj(args[2])['encoding'] ?? 'utf8';
      if (encoding !== 'utf8' && encoding !== 'base64') {
        throw new AirlockError({ code: 'script.bad-argument', message: 'airlock.fs.writeFile: encoding must be "utf8" or "base64"' });
      }
      return { action: 'fs.write', path: str(a0, 'airlock.fs.writeFile(path)'), content: str(a1, 'airlock.fs.writeFile(path, data): data'), encoding };
    }
    case 'fs.list': return { action: 'fs.list', path: str(a0 ?? '.', 'airlock.fs.list(path)') };
    case 'fs.stat': return { action: 'fs.stat', path: str(a0, 'airlock.fs.stat(path)') };
    case 'fs.delete': return { action: 'fs.delete', path: str(a0, 'airlock.fs.delete(path)'), recursive: obj(a1)['recursive'] === true };
    case 'fs.mkdir': return { action: 'fs.mkdir', path: str(a0, 'airlock.fs.mkdir(path)') };
    case 'net.fetch': {
      const o = obj(a1);
      const method = optionalString(o['method'], 'airlock.net.fetch: method');
      const headers = stringRecord(o['headers'], 'airlock.net.fetch: headers');
      const body = optionalString(o['body'], 'airlock.net.fetch: body');
      return {
        action: 'net.fetch', url: str(a0, 'airlock.net.fetch(url)'),
        ...(method !== undefined ? { method } : {}), ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}),
      };
    }
    case 'exec': {
      if (!Array.isArray(a0) || a0.length === 0 || !a0.every((x) => typeof x === 'string')) {
        throw new AirlockError({ code: 'script.bad-argument', message: 'airlock.exec(argv): argv must be a non-empty array of strings (never a shell string)' });
      }
      const o = obj(a1);
      const cwd = optionalString(o['cwd'], 'airlock.exec: cwd');
      const input = optionalString(o['input'], 'airlock.exec: input');
      const timeoutMs = typeof o['timeoutMs'] === 'number' ? o['timeoutMs'] : undefined;
      return {
        action: 'exec', argv: a0 as string[],
        ...(cwd !== undefined ? { cwd } : {}), ...(input !== undefined ? { input } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      };
    }
  }
}
