// Shared vocabulary of the guards: the authorize callback through which a guard asks the pipeline to decide again.
import type { Action } from '../policy/types.js';
import { AirlockError } from '../errors.js';

/**
 * Decides a derived action (a symlink's target, one entry of a recursive delete, a redirect hop, a resolved address,
 * a resolved program path) again. Resolves when allowed; throws (an AirlockError, code `denied` or similar) when not.
 */
export type Authorize = (action: Action) => Promise<void>;

/** A guard refusal or failure as a thrown value: a stable code and a message a model can act on. */
export function guardError(code: string, message: string): AirlockError {
  return new AirlockError({ code, message });
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}
