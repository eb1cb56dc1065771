// Test support for the isolate runtime: a capability host that records every call and answers from real files.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CapabilityHost, CapabilityName, JsonValue, ScriptOutcome } from '../../sandbox/isolate/types.js';

export interface RecordedCall {
  name: CapabilityName;
  args: JsonValue[];
}

type Responder = (name: CapabilityName, args: JsonValue[]) => Promise<JsonValue> | JsonValue;

/** Records each call as it reaches the host, then answers with the responder (by default: echo name and args). */
export class RecordingHost implements CapabilityHost {
  readonly calls: RecordedCall[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly respond: Responder = (name, args) => ({ name, args })) {}

  async call(name: CapabilityName, args: JsonValue[]): Promise<JsonValue> {
    this.calls.push({ name, args: structuredClone(args) });
    this.waiters = this.waiters.filter((w) => (this.calls.length >= w.count ? (w.resolve(), false) : true));
    return this.respond(name, args);
  }

  /** Resolves once at least `count` calls have reached the host. */
  reached(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/** A promise plus its resolve function, for host calls the test settles by hand. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The value of a successful outcome; fails the test with the outcome's error otherwise. */
export function valueOf(outcome: ScriptOutcome): JsonValue {
  if (!outcome.ok) throw new Error(`expected the script to succeed, got ${outcome.error.code}: ${outcome.error.message}`);
  return outcome.value;
}

export function errorOf(outcome: ScriptOutcome): { code: string; message: string } {
  if (outcome.ok) throw new Error(`expected the script to fail, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
