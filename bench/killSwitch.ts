// Figure 3 (kill switch): from kill() to a busy script and a long command both stopped and logged, vs killing a plain child.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { roundsFor, type FigureModule } from './context.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure } from './record.js';
import type { AirlockLib } from './build.js';

const SCOPE = { exec: { allow: [['sleep', '*']] } };

/** One round: a task running `while (true) {}` in its isolate and `sleep 30` through exec, then the kill switch. */
async function killRound(lib: AirlockLib): Promise<number> {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-kill-')));
  const workspace = path.join(base, 'ws');
  fs.mkdirSync(workspace);
  const loaded = lib.loadPolicy({
    workspaceRoot: workspace, homeDir: base, inline: { version: 1, default: 'deny', ...SCOPE, limits: { cpuMs: 60_000, wallMs: 60_000 } },
    inlineName: 'bench-kill.json', protectedPaths: [path.join(base, 'logs')],
  });
  if (!loaded.ok) throw new Error(`kill bench policy does not load: ${loaded.problems.map((p) => p.message).join('; ')}`);
  const log = lib.ActionLog.open({ file: path.join(base, 'logs', 'kill.jsonl'), session: 'bench-kill', policyHash: loaded.policy.hash, keyDir: path.join(base, 'keys') });
  const enforcer = new lib.Enforcer({ policy: loaded.policy, log, prompter: lib.denyAllPrompter, session: 'bench-kill' });
  try {
    const task = enforcer.startTask({ intent: 'runaway', scope: SCOPE });
    const script = enforcer.runScript(task.id, 'while (true) {}');
    const command = enforcer.perform(task.id, { action: 'exec', argv: ['sleep', '30'] });
    await new Promise((r) => setTimeout(r, 150)); // both are under way
    const start = process.hrtime.bigint();
    await enforcer.kill(task.id, 'benchmark');
    const [s, c] = await Promise.all([script, command]);
    const ms = usSince(start) / 1000;
    if (s.outcome !== 'killed' || c.outcome !== 'killed') throw new Error(`the kill switch did not stop both: script ${s.outcome}, exec ${c.outcome}`);
    return ms;
  } finally {
    await enforcer.close();
    log.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** The floor: SIGKILL a plain `sleep 30` child and wait for its exit. */
async function plainKillRound(): Promise<number> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  await new Promise((r) => child.once('spawn', r));
  const start = process.hrtime.bigint();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return usSince(start) / 1000;
}

export const killSwitchFigure: FigureModule = {
  id: 'kill',
  title: '3. Kill switch (a busy script and a long command)',
  async run(ctx) {
    const airlock: Side = { name: 'Enforcer.kill', round: () => killRound(ctx.airlock.lib) };
    const plain: Side = { name: 'SIGKILL a plain child', round: plainKillRound };
    const [a, p] = await compareSides([airlock, plain], { rounds: roundsFor(ctx, 15, 1), warmup: 1 });
    return [figure({
      name: 'kill switch: a busy script and a sleeping command stopped, their outcomes logged', unit: 'ms', airlock: a!,
      baselineName: 'SIGKILL of a plain child until it exits', baseline: p!, ratio: 'overhead',
      goal: '≤ 100 ms', meets: (_r, median) => median <= 100,
      note: 'from kill() until both results are back: isolate disposed, process group killed, entries written',
    })];
  },
};
