// Figure 8 (the editor): the approval round trip and the harness start in the real VS Code run (read from the last
// `npm run test:e2e`, test-results/e2e/timings.json), each against its baseline: the same round trip through the
// protocol with an automatic answer (measured now), and code-server's own workbench start (same e2e run).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { roundsFor, type FigureModule } from './context.js';
import { stats, type Stats } from './measure.js';
import { figure } from './record.js';
import { REPO_ROOT } from './build.js';
import { HarnessClient } from '../src/harness/client.js';

interface E2eTimings {
  workbenchReadyMs?: number;
  activationToHarnessReadyMs?: number;
  approvalRoundTrip?: { receivedToAnsweredMs?: number };
}

function e2eTimings(): { timings: E2eTimings; file: string } | null {
  const file = path.join(REPO_ROOT, 'test-results', 'e2e', 'timings.json');
  try {
    return { timings: JSON.parse(fs.readFileSync(file, 'utf8')) as E2eTimings, file };
  } catch {
    return null;
  }
}

const one = (v: number | undefined): Stats | null => (typeof v === 'number' ? stats([v]) : null);

/** An asked fs.write answered automatically: from action/run to its result (ask, answer, write, both log entries). */
async function protocolRoundTrips(rounds: number): Promise<number[]> {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-editor-')));
  const ws = path.join(base, 'ws');
  fs.mkdirSync(path.join(ws, '.airlock'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.airlock', 'policy.json'), JSON.stringify({ version: 1, default: 'ask', fs: { write: { allow: ['src/**'] } } }));
  const client = new HarnessClient({
    command: [process.execPath, '--no-node-snapshot', path.join(REPO_ROOT, 'dist', 'harness.mjs'), 'host', '--key-dir', path.join(base, 'keys')],
    env: { ...process.env, NODE_OPTIONS: '', XDG_STATE_HOME: base, XDG_CONFIG_HOME: base, AIRLOCK_BASELINE_POLICY: '' },
    onApproval: async () => ({ answer: 'allow-once' }),
  });
  try {
    await client.initialize({ workspaceRoot: ws, logDir: path.join(base, 'logs'), baselinePolicyFile: 'none' });
    const task = await client.startTask({ intent: 'bench', scope: { fs: { write: { allow: ['src/**'] } } } });
    const out: number[] = [];
    for (let i = 0; i < rounds + 1; i++) {
      const start = process.hrtime.bigint();
      const r = await client.run(task.id, { action: 'fs.write', path: `notes/${i}.txt`, content: 'x' });
      const answered = process.hrtime.bigint();
      if (r.outcome !== 'done' || r.decidedBy !== 'user') throw new Error(`the asked write was not done by the answer: ${JSON.stringify(r)}`);
      if (i > 0) out.push(Number(answered - start) / 1e6);
    }
    return out;
  } finally {
    await client.shutdown();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

export const editorFigure: FigureModule = {
  id: 'editor',
  title: '8. The editor (real VS Code run vs the protocol)',
  async run(ctx) {
    const e2e = e2eTimings();
    const protocol = stats(await protocolRoundTrips(roundsFor(ctx, 30, 2)));
    const note = e2e ? `VS Code figures from ${path.relative(REPO_ROOT, e2e.file)} (one run of npm run test:e2e)` : 'no test-results/e2e/timings.json: run npm run test:e2e first';
    return [
      figure({
        name: 'approval round trip: harness asks → notification → click → harness has the answer', unit: 'ms',
        airlock: one(e2e?.timings.approvalRoundTrip?.receivedToAnsweredMs),
        baselineName: 'the same asked action through the protocol, answered automatically', baseline: protocol, ratio: 'overhead',
        goal: 'none (a person answers)', note: `${note}; the VS Code side includes the scripted user seeing the toast and clicking`,
      }),
      figure({
        name: 'extension activation → harness ready', unit: 'ms', airlock: one(e2e?.timings.activationToHarnessReadyMs),
        baselineName: 'code-server page open → workbench ready', baseline: one(e2e?.timings.workbenchReadyMs), ratio: 'overhead',
        goal: 'none', note,
      }),
    ];
  },
};
