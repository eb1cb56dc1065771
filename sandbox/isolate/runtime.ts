// Architecture invariant: only this file imports isolated-vm, and nothing but strings (copies) crosses into an isolate.
// Runs agent-written scripts: one isolate per task, a fresh context per script, memory/CPU/wall limits enforced here.
//
// Bridge choice (measured in a scratch script, 1,000 sequential 4 KB reads, best of 6 on the 2-core dev box): host
// readFileSync loop 5.7 ms; async Reference.apply with {result:{promise:true}} 82-113 ms; applySyncPromise 25-39 ms;
// a sync Callback plus async delivery 36-54 ms. applySyncPromise is used, with calls of one microtask turn batched so
// Promise.all still runs them concurrently on the host. Thread hand-offs dominate; 2x of readFileSync is not reached.

import ivm from 'isolated-vm';
import { AirlockError } from '../errors.js';
import { BOOTSTRAP_FILENAME, BOOTSTRAP_SOURCE, SCRIPT_FILENAME, wrapScript, type BootstrapConfig } from './bootstrap.js';
import { createBridge } from './bridge.js';
import { ConsoleCapture, type ConsoleCaps } from './console.js';
import { decodeEnvelope, describeSyntaxError, failure, type RunResult } from './outcome.js';
import type { CapabilityHost, ScriptErrorCode, ScriptLimits, ScriptOutcome } from './types.js';

export type * from './types.js';

const CONSOLE_CAPS: ConsoleCaps = { maxLines: 1000, maxLineChars: 8192, maxTotalChars: 1_000_000 };
const BOOTSTRAP_CONFIG: BootstrapConfig = {
  maxConsoleLines: CONSOLE_CAPS.maxLines,
  maxConsoleLineChars: CONSOLE_CAPS.maxLineChars,
  maxPayloadChars: 16 * 1024 * 1024,
  maxDepth: 64,
  maxErrorChars: 4000,
};
const MAX_BATCH_CHARS = 4 * BOOTSTRAP_CONFIG.maxPayloadChars;
/** Shortest pause between two reads of the isolate's CPU clock. */
const MIN_CPU_CHECK_MS = 5;

interface ActiveRun {
  readonly isolate: ivm.Isolate;
  abort(code: ScriptErrorCode, message: string): void;
}

type Releasable = { release(): void };

export class TaskIsolate {
  private readonly limits: ScriptLimits;
  private isolate: ivm.Isolate | null = null;
  private current: ActiveRun | null = null;
  /** Runs execute one at a time, in order. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Bumped by kill(): runs queued before a kill end as killed too. */
  private epoch = 0;
  private killReason = '';
  private isDisposed = false;

  constructor(limits: ScriptLimits) {
    const { memoryMb, cpuMs, wallMs } = limits;
    const bad = (what: string): never => {
      throw new AirlockError({ code: 'script.limits', message: `script limits are invalid: ${what}` });
    };
    if (!Number.isInteger(memoryMb) || memoryMb < 8) bad(`memoryMb must be an integer of at least 8 (isolated-vm's minimum), got ${memoryMb}`);
    if (!(Number.isFinite(cpuMs) && cpuMs > 0)) bad(`cpuMs must be a positive number, got ${cpuMs}`);
    if (!(Number.isFinite(wallMs) && wallMs > 0)) bad(`wallMs must be a positive number, got ${wallMs}`);
    this.limits = { memoryMb, cpuMs, wallMs };
  }

  /** True once dispose() was called: the TaskIsolate is finished and every later run ends as killed. */
  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Runs one script (an async function body). Runs are queued: one script at a time per task. Never rejects. */
  run(code: string, host: CapabilityHost): Promise<ScriptOutcome> {
    const epoch = this.epoch;
    const outcome = this.tail.then(() => this.runNow(code, host, epoch));
    this.tail = outcome.catch(() => undefined);
    return outcome;
  }

  /** Disposes the isolate at once; the running script (and any queued before this call) ends as killed. Idempotent. */
  kill(reason: string): void {
    this.epoch++;
    this.killReason = reason;
    const message = `the script was killed: ${reason}`;
    if (this.current) this.current.abort('script.killed', message);
    else this.discard();
  }

  /** Kills any running script and releases the isolate for good. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.kill("the task's isolate was disposed");
  }

  private async runNow(code: string, host: CapabilityHost, epoch: number): Promise<ScriptOutcome> {
    if (this.isDisposed) return idle(failure('script.killed', "the script did not run: the task's isolate was disposed"));
    if (epoch !== this.epoch) return idle(failure('script.killed', `the script was killed before it started: ${this.killReason}`));
    if (typeof code !== 'string') return idle(failure('script.syntax', 'the script does not compile: its code is not a string'));
    let isolate: ivm.Isolate;
    try {
      isolate = this.ensureIsolate();
    } catch (err) {
      return idle(failure('script.error', `Airlock could not create an isolate for the script: ${errorText(err)}`));
    }
    return this.execute(isolate, code, host);
  }

  private ensureIsolate(): ivm.Isolate {
    if (this.isolate && !this.isolate.isDisposed) return this.isolate;
    const holder: { isolate?: ivm.Isolate } = {};
    const isolate = new ivm.Isolate({
      memoryLimit: this.limits.memoryMb,
      onCatastrophicError: (message: string) => {
        process.stderr.write(`airlock: a script isolate failed catastrophically and was discarded: ${message}\n`);
        if (holder.isolate) this.onCatastrophe(holder.isolate, message);
      },
    });
    holder.isolate = isolate;
    this.isolate = isolate;
    return isolate;
  }

  private onCatastrophe(isolate: ivm.Isolate, message: string): void {
    if (this.current?.isolate === isolate) {
      this.current.abort('script.error', `the script's isolate failed catastrophically and was discarded: ${message}`);
    }
    if (this.isolate === isolate) this.discard();
  }

  /** Disposes the task's isolate (if any); the next run creates a new one. */
  private discard(): void {
    const isolate = this.isolate;
    this.isolate = null;
    if (isolate) disposeQuietly(isolate);
  }

  private execute(isolate: ivm.Isolate, code: string, host: CapabilityHost): Promise<ScriptOutcome> {
    const { cpuMs, wallMs, memoryMb } = this.limits;
    const startedWall = performance.now();
    const startedCpu = readCpu(isolate, 0n);
    let lastCpu = startedCpu;
    const usedCpuMs = (): number => {
      lastCpu = readCpu(isolate, lastCpu);
      return Number(lastCpu - startedCpu) / 1e6;
    };
    const consoleCapture = new ConsoleCapture(CONSOLE_CAPS);
    const handles: Releasable[] = [];
    let settled = false;
    let resolveOutcome!: (outcome: ScriptOutcome) => void;
    const outcome = new Promise<ScriptOutcome>((resolve) => (resolveOutcome = resolve));
    let cpuTimer: NodeJS.Timeout | undefined;

    const finish = (result: RunResult, discardIsolate: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(wallTimer);
      clearTimeout(cpuTimer);
      const cpu = round(usedCpuMs());
      const wall = round(performance.now() - startedWall);
      if (this.current === run) this.current = null;
      if (discardIsolate) {
        disposeQuietly(isolate);
        if (this.isolate === isolate) this.isolate = null;
      }
      for (const handle of handles) releaseQuietly(handle);
      resolveOutcome({ ...result, console: consoleCapture.close(), cpuMs: cpu, wallMs: wall });
    };
    const run: ActiveRun = { isolate, abort: (code, message) => finish(failure(code, message), true) };
    this.current = run;

    const wallTimer = setTimeout(() => {
      finish(failure('script.wall-limit', `script exceeded its ${wallMs} ms wall-clock limit (time spent awaiting airlock calls counts)`), true);
    }, wallMs);
    const checkCpu = (): void => {
      if (settled) return;
      const used = usedCpuMs();
      if (used >= cpuMs) finish(failure('script.cpu-limit', `script exceeded its ${cpuMs} ms CPU limit`), true);
      else cpuTimer = setTimeout(checkCpu, Math.max(MIN_CPU_CHECK_MS, cpuMs - used));
    };
    cpuTimer = setTimeout(checkCpu, cpuMs);

    const steps = async (): Promise<RunResult | null> => {
      const context = await isolate.createContext();
      handles.push(context);
      if (settled) return null;
      const bridge = new ivm.Reference(createBridge({
        host,
        isActive: () => !settled,
        maxBatchChars: MAX_BATCH_CHARS,
        maxErrorChars: BOOTSTRAP_CONFIG.maxErrorChars,
      }));
      handles.push(bridge);
      const sink = new ivm.Callback((level: unknown, text: unknown) => {
        if (!settled) consoleCapture.add(level, text);
      });
      const runner = await context.evalClosure(BOOTSTRAP_SOURCE, [bridge, sink, JSON.stringify(BOOTSTRAP_CONFIG)], {
        filename: BOOTSTRAP_FILENAME,
        result: { reference: true },
      });
      handles.push(runner);
      if (settled) return null;
      let script: ivm.Script;
      try {
        // No cachedData, no snapshot: only source text from the agent is ever compiled.
        script = await isolate.compileScript(wrapScript(code), { filename: SCRIPT_FILENAME, lineOffset: -1 });
      } catch (err) {
        if (settled || isolate.isDisposed) throw err;
        return describeSyntaxError(err, SCRIPT_FILENAME);
      }
      handles.push(script);
      const main = await script.run(context, { reference: true });
      handles.push(main);
      if (settled) return null;
      const envelope = await runner.apply(undefined, [main.derefInto()], { result: { promise: true } });
      return decodeEnvelope(envelope, SCRIPT_FILENAME);
    };

    steps().then(
      (result) => {
        if (result) finish(result, false);
      },
      (err: unknown) => {
        if (settled) return;
        const text = errorText(err);
        if (/memory limit/i.test(text) || isolate.isDisposed) {
          finish(failure('script.memory-limit', `script exceeded its ${memoryMb} MB memory limit`), true);
        } else {
          finish(failure('script.error', `the script failed: ${text}`), true);
        }
      },
    );
    return outcome;
  }
}

function idle(result: RunResult): ScriptOutcome {
  return { ...result, console: [], cpuMs: 0, wallMs: 0 };
}

function readCpu(isolate: ivm.Isolate, fallback: bigint): bigint {
  try {
    return isolate.isDisposed ? fallback : isolate.cpuTime;
  } catch {
    return fallback;
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function disposeQuietly(isolate: ivm.Isolate): void {
  try {
    if (!isolate.isDisposed) isolate.dispose();
  } catch {
    // already gone
  }
}

function releaseQuietly(handle: Releasable): void {
  try {
    handle.release();
  } catch {
    // the isolate that owned it is already disposed
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
