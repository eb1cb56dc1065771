// Test helpers for the guards: a small real authorize that refuses what a predicate names and records every question.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AirlockError } from '../../sandbox/errors.js';
import type { Action } from '../../sandbox/policy/types.js';
import type { Authorize } from '../../sandbox/guards/types.js';

export interface RecordingAuthorize {
  authorize: Authorize;
  /** Every derived action the guard asked about, in order. */
  asked: Action[];
}

/** Refuses (code `denied`) every action `refuse` returns true for; `onAsk` runs first (to simulate races). */
export function recordingAuthorize(refuse: (a: Action) => boolean = () => false, onAsk?: (a: Action) => void | Promise<void>): RecordingAuthorize {
  const asked: Action[] = [];
  const authorize: Authorize = async (a) => {
    asked.push(a);
    if (onAsk) await onAsk(a);
    if (refuse(a)) throw new AirlockError({ code: 'denied', message: `${a.kind} is denied by the test policy` });
  };
  return { authorize, asked };
}

/** A fresh real temp dir (realpath'd, so macOS /var → /private/var does not matter). */
export function makeTempDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-')));
}

export async function rejectsWithCode(p: Promise<unknown>, code: string, messageIncludes?: string | RegExp): Promise<AirlockError> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof AirlockError)) throw new Error(`expected AirlockError ${code}, got ${String(err)}`);
    if (err.code !== code) throw new Error(`expected code ${code}, got ${err.code}: ${err.message}`);
    if (messageIncludes !== undefined) {
      const ok = typeof messageIncludes === 'string' ? err.message.includes(messageIncludes) : messageIncludes.test(err.message);
      if (!ok) throw new Error(`message ${JSON.stringify(err.message)} does not include ${String(messageIncludes)}`);
    }
    return err;
  }
  throw new Error(`expected rejection with ${code}, but it resolved`);
}
