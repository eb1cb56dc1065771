// Vocabulary of the isolate runtime: JSON values, capability names, limits, and the outcome of one agent script.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Every call an agent script can make through `airlock.*`. */
export const CAPABILITY_NAMES = [
  'fs.readFile', 'fs.writeFile', 'fs.list', 'fs.stat', 'fs.delete', 'fs.mkdir', 'net.fetch', 'exec',
] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

export function isCapabilityName(name: unknown): name is CapabilityName {
  return typeof name === 'string' && (CAPABILITY_NAMES as readonly string[]).includes(name);
}

/** The host side of the bridge. Rejections become Errors inside the script with the same message and `code`. */
export interface CapabilityHost {
  call(name: CapabilityName, args: JsonValue[]): Promise<JsonValue>;
}

export interface ScriptLimits {
  /** Heap limit of the task's isolate, in MB (isolated-vm's minimum is 8). */
  memoryMb: number;
  /** CPU time one script may use, in ms. */
  cpuMs: number;
  /** Wall-clock time one script may take, in ms, including time spent awaiting host calls. */
  wallMs: number;
}

export interface ConsoleLine {
  level: 'log' | 'warn' | 'error';
  text: string;
}

export type ScriptErrorCode =
  | 'script.cpu-limit'
  | 'script.wall-limit'
  | 'script.memory-limit'
  | 'script.killed'
  | 'script.error'
  | 'script.syntax'
  | 'script.result';

export type ScriptOutcome =
  | { ok: true; value: JsonValue; console: ConsoleLine[]; cpuMs: number; wallMs: number }
  | { ok: false; error: { code: ScriptErrorCode; message: string }; console: ConsoleLine[]; cpuMs: number; wallMs: number };
