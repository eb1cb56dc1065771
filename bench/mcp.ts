// Figure 8 (MCP): one read_file round trip through `airlock mcp` over stdio (the SDK's Client, both protocol eras) vs
// the same read as a direct Enforcer.perform; and one code-mode script reading 100 files vs 100 read_file calls.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { roundsFor, type BenchContext, type FigureModule } from './context.js';
import { compareSides, usSince, type Side } from './measure.js';
import { figure, type FigureRecord } from './record.js';

const FILES = 100;
const POLICY = { version: 1, default: 'deny', fs: { read: { allow: ['src/**'] } }, limits: { cpuMs: 60_000, wallMs: 60_000 } };

interface Setup {
  base: string;
  workspace: string;
  remove(): void;
}

function makeSetup(): Setup {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-mcp-')));
  const workspace = path.join(base, 'ws');
  fs.mkdirSync(path.join(workspace, 'src'), { recursive: true });
  fs.mkdirSync(path.join(workspace, '.airlock'));
  fs.writeFileSync(path.join(workspace, '.airlock', 'policy.json'), JSON.stringify(POLICY));
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(workspace, 'src', `f${i}.ts`), `export const v${i} = ${i};\n`.repeat(20));
  return { base, workspace, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

async function connect(ctx: BenchContext, s: Setup, era: 'legacy' | 'modern'): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--no-node-snapshot', ctx.airlock.cli, 'mcp', '--workspace', s.workspace, '--log-dir', path.join(s.base, 'logs'), '--key-dir', path.join(s.base, 'keys'), '--baseline', 'none'],
    env: { PATH: process.env['PATH'] ?? '', HOME: s.base, XDG_CONFIG_HOME: path.join(s.base, 'config') },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'airlock-bench', version: '1.0.0' }, { versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: '2026-07-28' } } });
  await client.connect(transport);
  return client;
}

function textOf(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? []).map((c) => c.text ?? '').join('');
}

export const mcpFigure: FigureModule = {
  id: 'mcp',
  title: '8. MCP server: a read_file round trip, and code mode against one call per file',
  async run(ctx) {
    const lib = ctx.airlock.lib;
    const s = makeSetup();
    const records: FigureRecord[] = [];
    const expected = fs.readFileSync(path.join(s.workspace, 'src', 'f7.ts'), 'utf8');
    // The direct side: the same policy, an Enforcer in this process, the same read.
    const loaded = lib.loadPolicy({ workspaceRoot: s.workspace, protectedPaths: [path.join(s.base, 'logs')] });
    if (!loaded.ok) throw new Error(`mcp bench policy does not load: ${loaded.problems.map((p) => p.message).join('; ')}`);
    const log = lib.ActionLog.open({ file: path.join(s.base, 'direct', 'log.jsonl'), session: 'bench-mcp', policyHash: loaded.policy.hash, keyDir: path.join(s.base, 'keys') });
    const enforcer = new lib.Enforcer({ policy: loaded.policy, log, prompter: lib.denyAllPrompter, session: 'bench-mcp' });
    const task = enforcer.startTask({ intent: 'bench', scope: { fs: { read: { allow: ['src/**'] } } } });
    const clients: Client[] = [];
    try {
      const batch = ctx.quick ? 5 : 50;
      const direct: Side = {
        name: 'Enforcer.perform (fs.read)',
        round: async () => {
          const start = process.hrtime.bigint();
          for (let i = 0; i < batch; i++) {
            const r = await enforcer.perform(task.id, { action: 'fs.read', path: 'src/f7.ts' });
            if (r.result !== expected) ctx.fail(`direct read returned ${String(r.result).slice(0, 40)}`);
          }
          return usSince(start) / batch;
        },
      };
      for (const era of ['legacy', 'modern'] as const) {
        const client = await connect(ctx, s, era);
        clients.push(client);
        const overMcp: Side = {
          name: `read_file over MCP stdio (${era})`,
          round: async () => {
            const start = process.hrtime.bigint();
            for (let i = 0; i < batch; i++) {
              const r = await client.callTool({ name: 'read_file', arguments: { path: 'src/f7.ts' } });
              if (textOf(r) !== expected) ctx.fail(`read_file over MCP (${era}) returned ${textOf(r).slice(0, 80)}`);
            }
            return usSince(start) / batch;
          },
        };
        const [m, d] = await compareSides([overMcp, direct], { rounds: roundsFor(ctx, 15, 1), warmup: 1 });
        records.push(figure({
          name: `one read_file round trip through \`airlock mcp\` over stdio, ${era === 'legacy' ? '2025-11-25' : '2026-07-28'} era`, unit: 'µs',
          airlock: m!, baselineName: 'the same read as a direct Enforcer.perform in-process', baseline: d!, ratio: 'overhead',
          goal: 'the protocol\'s share stated; no goal', note: 'both sides decide, log and read through the guard; the MCP side adds JSON-RPC over pipes, the SDK and a process hop',
        }));
      }

      const client = clients[0]!;
      // As a model writes code mode: the reads issued together (the isolate bridge sends one turn's calls as one batch).
      const code = `const names = Array.from({ length: ${FILES} }, (_, i) => 'src/f' + i + '.ts');\n`
        + 'const texts = await Promise.all(names.map((n) => airlock.fs.readFile(n)));\nreturn texts.reduce((n, t) => n + t.length, 0);';
      const total = Array.from({ length: FILES }, (_, i) => fs.readFileSync(path.join(s.workspace, 'src', `f${i}.ts`), 'utf8').length).reduce((a, b) => a + b, 0);
      const script: Side = {
        name: `one run_script reading ${FILES} files`,
        round: async () => {
          const start = process.hrtime.bigint();
          const r = await client.callTool({ name: 'run_script', arguments: { code } });
          if (textOf(r) !== String(total)) ctx.fail(`run_script returned ${textOf(r).slice(0, 80)}`);
          return usSince(start) / 1000;
        },
      };
      const calls: Side = {
        name: `${FILES} read_file calls`,
        round: async () => {
          const start = process.hrtime.bigint();
          let n = 0;
          for (let i = 0; i < FILES; i++) n += textOf(await client.callTool({ name: 'read_file', arguments: { path: `src/f${i}.ts` } })).length;
          if (n !== total) ctx.fail(`${FILES} read_file calls returned ${n} characters, not ${total}`);
          return usSince(start) / 1000;
        },
      };
      const [sc, ca] = await compareSides([script, calls], { rounds: roundsFor(ctx, 10, 1), warmup: 1 });
      records.push(figure({
        name: `code mode: one run_script reading ${FILES} files through \`airlock mcp\``, unit: 'ms',
        airlock: sc!, baselineName: `${FILES} read_file calls from the client`, baseline: ca!, ratio: 'speedup',
        goal: 'faster than one call per file', meets: (r) => (r === null ? null : r > 1),
        note: 'both sides decide and log every read; the model would also pay a turn per call, which this does not count',
      }));
      return records;
    } finally {
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await enforcer.close();
      log.close();
      s.remove();
    }
  },
};
