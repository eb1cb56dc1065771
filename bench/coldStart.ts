// Figure 3 (cold start): a fresh task isolate, its context and the airlock API, running a first script, vs a Worker.
import { Worker } from 'node:worker_threads';
import { roundsFor, type FigureModule } from './context.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure } from './record.js';

const NO_HOST = { call: () => Promise.reject(new Error('the cold-start script makes no calls')) };

/** Node's own isolation primitive started to its first message: the nearest in-process peer of an isolate. */
function workerStart(): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true });
    worker.once('error', reject);
    worker.once('message', () => {
      const ms = usSince(start) / 1000;
      void worker.terminate().then(() => resolve(ms), reject);
    });
  });
}

export const coldStartFigure: FigureModule = {
  id: 'cold',
  title: '3. Cold task start (isolate, context, API)',
  async run(ctx) {
    const { TaskIsolate } = ctx.airlock.lib;
    const airlock: Side = {
      name: 'TaskIsolate',
      round: async () => {
        const start = process.hrtime.bigint();
        const isolate = new TaskIsolate({ memoryMb: 128, cpuMs: 5000, wallMs: 30_000 });
        const out = await isolate.run('return typeof airlock.fs.readFile', NO_HOST);
        const ms = usSince(start) / 1000;
        isolate.dispose();
        if (!out.ok || out.value !== 'function') throw new Error(`the first script did not see the airlock API: ${JSON.stringify(out)}`);
        return ms;
      },
    };
    const worker: Side = { name: 'worker_threads.Worker', round: workerStart };
    const [a, w] = await compareSides([airlock, worker], { rounds: roundsFor(ctx, 40, 3), warmup: 2 });
    return [figure({
      name: 'cold task start (new isolate + context + airlock API + first script)', unit: 'ms', airlock: a!,
      baselineName: 'worker_threads.Worker to first message', baseline: w!, ratio: 'speedup',
      goal: '≤ 3 ms', meets: (_r, median) => median <= 3,
      note: 'a new TaskIsolate each round, disposed after; the goal is on the Airlock median alone',
    })];
  },
};
