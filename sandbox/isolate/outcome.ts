// Turns what comes back from an isolate (the runner's JSON envelope, a compile error) into outcome results whose
// messages say what went wrong and where, in the agent's own line numbers.

import type { JsonValue, ScriptErrorCode } from './types.js';

export type RunResult = { ok: true; value: JsonValue } | { ok: false; error: { code: ScriptErrorCode; message: string } };

export function failure(code: ScriptErrorCode, message: string): RunResult {
  return { ok: false, error: { code, message } };
}

/** Decodes the runner's envelope: `{t:'value',v}`, `{t:'error',name,message,stack,code}` or `{t:'result',message}`. */
export function decodeEnvelope(envelope: unknown, scriptFilename: string): RunResult {
  if (typeof envelope !== 'string') return failure('script.result', 'the script ended without a result Airlock could read');
  let parsed: unknown;
  try {
    parsed = JSON.parse(envelope);
  } catch {
    return failure('script.result', "the script's result could not be read as JSON");
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return failure('script.result', "the script's result envelope was malformed (was JSON or Object.prototype replaced?)");
  }
  const e = parsed as Record<string, unknown>;
  if (e.t === 'value' && 'v' in e) return { ok: true, value: e.v as JsonValue };
  if (e.t === 'result') {
    return failure('script.result', `Airlock cannot return the script's result: ${str(e.message)}`);
  }
  if (e.t === 'error') {
    const where = locate(str(e.stack), scriptFilename);
    const code = typeof e.code === 'string' ? ` [${e.code}]` : '';
    return failure('script.error', `the script threw ${str(e.name) || 'Error'}: ${str(e.message)}${code}${where ? ` (at ${where})` : ''}`);
  }
  return failure('script.result', "the script's result envelope was malformed (was JSON or Object.prototype replaced?)");
}

/** A compile error from isolated-vm, e.g. `Unexpected token ';' [agent-script.js:2:9]`, as `... at line 2, column 9`. */
export function describeSyntaxError(err: unknown, scriptFilename: string): RunResult {
  const raw = err instanceof Error ? err.message : String(err);
  const marker = new RegExp(`\\s*\\[${escapeRegExp(scriptFilename)}:(\\d+):(\\d+)\\]\\s*$`);
  const m = marker.exec(raw);
  const text = m ? raw.slice(0, m.index) : raw;
  const where = m ? ` at line ${m[1]}, column ${m[2]}` : '';
  return failure('script.syntax', `the script does not compile: SyntaxError: ${text}${where}`);
}

/** The first frame of the agent's own code in a stack trace, as `line L, column C`. */
function locate(stack: string, scriptFilename: string): string | undefined {
  const m = new RegExp(`${escapeRegExp(scriptFilename)}:(\\d+):(\\d+)`).exec(stack);
  return m ? `line ${m[1]}, column ${m[2]}` : undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
