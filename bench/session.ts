// Figure 3 (sessions): a whole 10-step `airlock run` vs the same 10 commands through @anthropic-ai/sandbox-runtime's `srt`.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { roundsFor, type FigureModule } from './context.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure, type FigureRecord } from './record.js';

/** Ten read-only commands an agent runs while looking around a project. */
export const COMMANDS: readonly (readonly string[])[] = [
  ['cat', 'README.md'],
  ['ls', '-la', 'src'],
  ['wc', '-l', 'src/parser.js'],
  ['head', '-n', '5', 'src/util.js'],
  ['grep', '-n', 'export', 'src/parser.js'],
  ['cat', 'package.json'],
  ['ls', '.'],
  ['wc', '-c', 'notes.txt'],
  ['tail', '-n', '2', 'notes.txt'],
  ['sort', 'notes.txt'],
];

const SRT_TIMEOUT_MS = 60_000;

interface Run { code: number | null; stdout: string; stderr: string; ms: number; timedOut: boolean }

function run(argv: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? SRT_TIMEOUT_MS);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, ms: usSince(start) / 1000, timedOut }); });
  });
}

export interface Setup { base: string; workspace: string; sessionFile: string; logDir: string; stateDir: string; srtSettings: string }

export function makeSetup(): Setup {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-run-')));
  const workspace = path.join(base, 'ws');
  fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
  fs.writeFileSync(path.join(workspace, 'README.md'), '# demo\n\nA tiny project the benchmark session looks around in.\n');
  fs.writeFileSync(path.join(workspace, 'package.json'), '{ "name": "demo", "version": "1.0.0", "type": "module" }\n');
  fs.writeFileSync(path.join(workspace, 'notes.txt'), 'pear\napple\nfig\nbanana\n');
  fs.writeFileSync(path.join(workspace, 'src', 'parser.js'), 'export function parse(s) {\n  return s.split(",");\n}\nexport const VERSION = 1;\n');
  fs.writeFileSync(path.join(workspace, 'src', 'util.js'), Array.from({ length: 20 }, (_, i) => `export const v${i} = ${i};`).join('\n') + '\n');
  const scope = { fs: { read: { allow: ['**'] } }, exec: { allow: COMMANDS.map((c) => [...c]) } };
  const session = {
    name: 'benchmark: ten commands',
    workspace: './ws',
    policy: { version: 1, default: 'deny', ...scope },
    task: { intent: 'look around the project', scope },
    steps: COMMANDS.map((argv) => ({ action: 'exec', argv, expect: { verdict: 'allow', outcome: 'done' } })),
  };
  const sessionFile = path.join(base, 'session.json');
  fs.writeFileSync(sessionFile, JSON.stringify(session, null, 2));
  // srt: reads allowed, no writes, no network: the same rights the Airlock session grants.
  const srtSettings = path.join(base, 'srt-settings.json');
  fs.writeFileSync(srtSettings, JSON.stringify({
    network: { allowedDomains: [], deniedDomains: [] },
    filesystem: { denyRead: [], allowWrite: [], denyWrite: [] },
  }, null, 2));
  return { base, workspace, sessionFile, logDir: path.join(base, 'logs'), stateDir: path.join(base, 'state'), srtSettings };
}

/** srt's CLI, run with this Node (its shebang would pick whatever `node` is first on PATH). */
function srtCli(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.resolve('@anthropic-ai/sandbox-runtime'))), 'cli.js');
}

/** Why srt cannot run here, or undefined when a probe command runs and prints what it should. */
export async function srtUnavailable(s: Setup, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  try {
    const r = await run([process.execPath, srtCli(), '--settings', s.srtSettings, '--', 'cat', 'notes.txt'], { cwd: s.workspace, env });
    if (r.timedOut) return `srt did not finish a probe command within ${SRT_TIMEOUT_MS / 1000} s`;
    if (r.code !== 0 || !r.stdout.includes('banana')) {
      return `srt's probe command failed (exit ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ') || 'no output'}`;
    }
    return undefined;
  } catch (e) {
    return `srt could not be started: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export const sessionFigure: FigureModule = {
  id: 'session',
  title: '3. A 10-step `airlock run` vs the same commands through srt',
  async run(ctx) {
    const s = makeSetup();
    try {
      const env = { ...process.env, AIRLOCK_STATE_DIR: s.stateDir, NO_COLOR: '1', NODE_OPTIONS: '' };
      const airlock: Side = {
        name: 'airlock run',
        round: async () => {
          const r = await run([process.execPath, '--no-node-snapshot', ctx.airlock.cli, 'run', s.sessionFile, '--log-dir', s.logDir, '--reporter', 'json'], { cwd: s.base, env });
          if (r.code !== 0) throw new Error(`airlock run exited ${r.code}: ${(r.stderr || r.stdout).slice(0, 2000)}`);
          return r.ms;
        },
      };
      const why = await srtUnavailable(s);
      if (why) ctx.progress(`  srt is unavailable here: ${why}`);
      const srt: Side = {
        name: 'srt',
        round: async () => {
          let ms = 0;
          for (const argv of COMMANDS) {
            const r = await run([process.execPath, srtCli(), '--settings', s.srtSettings, '--', ...argv], { cwd: s.workspace });
            if (r.code !== 0) throw new Error(`srt ${argv.join(' ')} exited ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.slice(0, 500)}`);
            ms += r.ms;
          }
          return ms;
        },
      };
      const plan = { rounds: roundsFor(ctx, 5), warmup: ctx.quick ? 0 : 1 };
      const [a, b] = why ? [(await compareSides([airlock], plan))[0]!, null] : await compareSides([airlock, srt], plan);
      const record: FigureRecord = figure({
        name: 'a whole 10-step session (10 commands)', unit: 'ms', airlock: a!, baselineName: 'srt CLI, one call per command (bubblewrap)',
        baseline: b ?? null, ratio: 'speedup', goal: 'none stated (compared)',
        note: why
          ? `srt unavailable: ${why}`
          : '`airlock run` is one process: start, load the policy, open and close the log, copy the workspace, decide, log and run 10 commands; srt starts its proxies and a bubblewrap sandbox for each command',
      });
      return [record];
    } finally {
      fs.rmSync(s.base, { recursive: true, force: true });
    }
  },
};
