// Host side of the bridge: decodes one batch of capability calls (a JSON string from the isolate), runs them on the
// CapabilityHost concurrently, and encodes the results as one JSON string. Nothing but strings goes in or out.

import { isCapabilityName, type CapabilityHost, type CapabilityName, type JsonValue } from './types.js';

export interface BridgeOptions {
  host: CapabilityHost;
  /** False once the script has ended or was killed: no new host calls start, and late results are dropped. */
  isActive: () => boolean;
  /** Largest batch accepted, in characters of JSON. */
  maxBatchChars: number;
  /** Longest error message handed back to the script. */
  maxErrorChars: number;
}

type CallResult = { ok: true; value: JsonValue } | { ok: false; message: string; code: string };

const ENDED: CallResult = {
  ok: false,
  code: 'script.ended',
  message: 'Airlock dropped this call: the script had already ended or was killed',
};

/** The function the isolate reaches (through a hidden Reference): batch JSON in, results JSON out. Never rejects. */
export function createBridge(options: BridgeOptions): (batch: unknown) => Promise<string> {
  return async (batch: unknown): Promise<string> => {
    const calls = decodeBatch(batch, options.maxBatchChars);
    if (!Array.isArray(calls)) return JSON.stringify([calls]);
    const results = await Promise.all(calls.map((c) => (c.ok ? runCall(options, c.name, c.args) : Promise.resolve(c.result))));
    // A result that arrives after the script ended must not reach a later script or a disposed context.
    return encodeResults(options.isActive() ? results : results.map(() => ENDED));
  };
}

type DecodedCall = { ok: true; name: CapabilityName; args: JsonValue[] } | { ok: false; result: CallResult };

function malformed(message: string): CallResult {
  return { ok: false, code: 'bridge.malformed', message: `Airlock refused a malformed capability call: ${message}` };
}

function decodeBatch(batch: unknown, maxChars: number): DecodedCall[] | CallResult {
  if (typeof batch !== 'string') return malformed('the batch is not a string');
  if (batch.length > maxChars) return malformed(`the batch is ${batch.length} characters; the limit is ${maxChars}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(batch);
  } catch {
    return malformed('the batch is not JSON');
  }
  if (!Array.isArray(parsed)) return malformed('the batch is not an array');
  return parsed.map((entry: unknown): DecodedCall => {
    if (entry === null || typeof entry !== 'object') return { ok: false, result: malformed('a call is not an object') };
    const { n: name, a: args } = entry as { n?: unknown; a?: unknown };
    if (!isCapabilityName(name)) return { ok: false, result: malformed(`unknown capability ${JSON.stringify(String(name)).slice(0, 80)}`) };
    if (!Array.isArray(args)) return { ok: false, result: malformed(`the arguments of ${name} are not an array`) };
    return { ok: true, name, args: args as JsonValue[] };
  });
}

async function runCall(options: BridgeOptions, name: CapabilityName, args: JsonValue[]): Promise<CallResult> {
  if (!options.isActive()) return ENDED;
  try {
    const value = await options.host.call(name, args);
    return { ok: true, value: value === undefined ? null : value };
  } catch (err) {
    return { ok: false, ...describeRejection(err, options.maxErrorChars) };
  }
}

function describeRejection(err: unknown, maxChars: number): { message: string; code: string } {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : safeString(err);
  const code = err !== null && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : 'capability.error';
  const message = raw.length > maxChars ? `${raw.slice(0, maxChars)}... [truncated]` : raw;
  return { message, code };
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'capability call failed';
  }
}

function encodeResults(results: CallResult[]): string {
  const parts = results.map((r) => {
    try {
      return JSON.stringify(r);
    } catch {
      return JSON.stringify({ ok: false, code: 'capability.result', message: 'Airlock could not encode the host result as JSON' });
    }
  });
  return `[${parts.join(',')}]`;
}
