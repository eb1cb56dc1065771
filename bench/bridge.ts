// Figure 2 (scripts): an agent script making 1,000 reads through the isolate bridge vs the host doing the same loop.
import fs, { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { CapabilityHost, JsonValue } from '../sandbox/isolate/types.js';
import type { AirlockLib } from './build.js';
import { roundsFor, type FigureModule } from './context.js';
import { FILE_BYTES, openFixture, READ_PATH, type Fixture } from './fixture.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure } from './record.js';

const READS = 1000;
const SCRIPT = `let bytes = 0;
for (let i = 0; i < ${READS}; i++) bytes += (await airlock.fs.readFile(${JSON.stringify(READ_PATH)})).length;
return bytes;`;
const EXPECTED = READS * FILE_BYTES;

function msOf(start: bigint): number {
  return usSince(start) / 1000;
}

function expectBytes(got: unknown, what: string): void {
  if (got !== EXPECTED) throw new Error(`${what} read ${String(got)} bytes, not ${EXPECTED}`);
}

/**
 * The bridge alone: a TaskIsolate whose host reads the file directly (no decision, no log), vs the same reads on the
 * host. `sync`: both sides read with readFileSync, so the difference is the isolate hop itself.
 */
async function bareBridge(lib: AirlockLib, fx: Fixture, rounds: number, sync: boolean) {
  const file = path.join(fx.workspace, READ_PATH);
  const read = sync ? async (p: string) => fs.readFileSync(p, 'utf8') : (p: string) => fsp.readFile(p, 'utf8');
  const host: CapabilityHost = { call: async (_name, args): Promise<JsonValue> => read(path.join(fx.workspace, String(args[0]))) };
  const isolate = new lib.TaskIsolate({ memoryMb: 128, cpuMs: 60_000, wallMs: 60_000 });
  try {
    const script: Side = {
      name: 'script',
      round: async () => {
        const start = process.hrtime.bigint();
        const out = await isolate.run(SCRIPT, host);
        const ms = msOf(start);
        if (!out.ok) throw new Error(`the script failed: ${out.error.message}`);
        expectBytes(out.value, 'the script');
        return ms;
      },
    };
    const loop: Side = {
      name: 'host loop',
      round: async () => {
        const start = process.hrtime.bigint();
        let bytes = 0;
        if (sync) for (let i = 0; i < READS; i++) bytes += fs.readFileSync(file, 'utf8').length;
        else for (let i = 0; i < READS; i++) bytes += (await fsp.readFile(file, 'utf8')).length;
        const ms = msOf(start);
        expectBytes(bytes, 'the host loop');
        return ms;
      },
    };
    return await compareSides([script, loop], { rounds, warmup: 1 });
  } finally {
    isolate.dispose();
  }
}

/** The whole pipeline on both sides: Enforcer.runScript vs 1,000 Enforcer.perform calls made by the host. */
async function pipeline(fx: Fixture, rounds: number) {
  const script: Side = {
    name: 'script',
    round: async () => {
      const start = process.hrtime.bigint();
      const r = await fx.enforcer.runScript(fx.taskId, SCRIPT);
      const ms = msOf(start);
      if (r.outcome !== 'done') throw new Error(`the script failed: ${r.error?.message ?? r.reason}`);
      expectBytes(r.result, 'the script');
      return ms;
    },
  };
  const loop: Side = {
    name: 'host loop',
    round: async () => {
      const start = process.hrtime.bigint();
      let bytes = 0;
      for (let i = 0; i < READS; i++) {
        const r = await fx.enforcer.perform(fx.taskId, { action: 'fs.read', path: READ_PATH });
        bytes += String(r.result).length;
      }
      const ms = msOf(start);
      expectBytes(bytes, 'the host loop');
      return ms;
    },
  };
  return compareSides([script, loop], { rounds, warmup: 1 });
}

const GOAL = { text: '≤ 2× the host loop', max: 2 };

export const bridgeFigure: FigureModule = {
  id: 'bridge',
  title: '2. A script making 1,000 bridged reads vs the host loop',
  async run(ctx) {
    const fx = await openFixture(ctx.airlock.lib);
    try {
      const rounds = roundsFor(ctx, 12);
      const [bs, bl] = await bareBridge(ctx.airlock.lib, fx, rounds, false);
      const [ss, sl] = await bareBridge(ctx.airlock.lib, fx, rounds, true);
      ctx.progress('  bridge alone: done');
      const [ps, pl] = await pipeline(fx, rounds);
      ctx.progress('  through the pipeline: done');
      return [
        figure({
          name: 'script, 1,000 reads through the isolate bridge (bridge alone)', unit: 'ms', airlock: bs!, baselineName: 'host loop of fs.promises.readFile', baseline: bl!,
          ratio: 'overhead', goal: GOAL.text, meets: (r) => (r === null ? null : r <= GOAL.max),
          note: 'TaskIsolate.run (fresh context, bootstrap, compile) with a host that reads with fs.promises.readFile: the isolate hop (applySyncPromise) on top of the same async reads',
        }),
        figure({
          name: 'script, 1,000 reads through the isolate bridge (bridge alone, sync reads)', unit: 'ms', airlock: ss!, baselineName: 'host loop of fs.readFileSync', baseline: sl!,
          ratio: 'overhead', goal: GOAL.text, meets: (r) => (r === null ? null : r <= GOAL.max),
          note: 'both sides read with readFileSync (a 4 KB read costs a few µs), so the ratio is almost all the per-call isolate hop',
        }),
        figure({
          name: 'script, 1,000 reads through the whole pipeline', unit: 'ms', airlock: ps!, baselineName: 'host loop of Enforcer.perform', baseline: pl!,
          ratio: 'overhead', goal: GOAL.text, meets: (r) => (r === null ? null : r <= GOAL.max),
          note: 'Enforcer.runScript vs the same 1,000 fs.read actions performed by the host: decide, two log entries and the FsGuard on both sides',
        }),
      ];
    } finally {
      await fx.close();
    }
  },
};
