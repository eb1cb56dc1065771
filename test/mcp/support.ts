// Real MCP clients for the tests: the SDK's own Client over stdio, and the MCP Inspector's CLI, both spawning the real
// `airlock mcp` from source.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { repoRoot, tsxLoader } from '../support/cli.js';
import type { TempWorkspace } from '../support/workspace.js';

export type Era = 'legacy' | 'modern';
export const ERAS: readonly Era[] = ['legacy', 'modern'];
export const ERA_VERSION: Record<Era, string> = { legacy: '2025-11-25', modern: '2026-07-28' };

const BUILT_CLI = path.join(repoRoot, 'node_modules', '.cache', 'airlock-test', 'cli.mjs');
let built: Promise<void> | undefined;

/**
 * Bundles the current sources' CLI once per test run, as scripts/build.mjs bundles dist/cli.js: the servers under test
 * start in half the time tsx needs, which matters when every test spawns one. Call it from a before() hook.
 */
export function buildCli(): Promise<void> {
  built ??= build({
    entryPoints: [path.join(repoRoot, 'sandbox', 'cli', 'main.ts')], outfile: BUILT_CLI, bundle: true, platform: 'node',
    format: 'esm', target: 'node22', packages: 'external', logLevel: 'warning',
  }).then(() => undefined);
  return built;
}

/** The command line that starts `airlock mcp` for a workspace, logs and keys in the workspace's state folder. */
export function mcpCommand(ws: TempWorkspace, extra: readonly string[] = []): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [
      '--no-node-snapshot', ...(built ? [BUILT_CLI] : ['--import', tsxLoader, path.join(repoRoot, 'sandbox', 'cli', 'main.ts')]), 'mcp',
      '--workspace', ws.root, '--log-dir', path.join(ws.stateDir, 'logs'), '--key-dir', path.join(ws.stateDir, 'keys'), '--baseline', 'none', ...extra,
    ],
  };
}

export type ElicitAnswer = { action: 'accept'; content: Record<string, string | number | boolean | string[]> } | { action: 'decline' } | { action: 'cancel' };

export interface Connected {
  client: Client;
  /** Elicitation requests the client saw (params), in order. */
  elicited: { message: string; requestedSchema: unknown }[];
  stderr: () => string;
  close(): Promise<void>;
}

/** Connects the SDK Client in the given era; with `answer`, the client offers form elicitation and answers with it. */
export async function connect(
  ws: TempWorkspace, era: Era, answer?: (params: { message: string; requestedSchema: unknown }) => ElicitAnswer, extra: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<Connected> {
  const { command, args } = mcpCommand(ws, extra);
  const transport = new StdioClientTransport({ command, args, cwd: repoRoot, stderr: 'pipe', env: { ...cleanEnv(), PATH: process.env['PATH'] ?? '', ...env } });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => { err += d.toString('utf8'); });
  const client = new Client({ name: 'airlock-test', version: '1.0.0' }, {
    capabilities: answer ? { elicitation: { form: {} } } : {},
    versionNegotiation: { mode: era === 'legacy' ? 'legacy' : { pin: ERA_VERSION.modern } },
  });
  const elicited: Connected['elicited'] = [];
  if (answer) {
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { message: string; requestedSchema: unknown };
      elicited.push({ message: params.message, requestedSchema: params.requestedSchema });
      return answer(params);
    });
  }
  await client.connect(transport);
  return { client, elicited, stderr: () => err, close: () => client.close() };
}

function cleanEnv(): Record<string, string> {
  return { XDG_CONFIG_HOME: path.join(repoRoot, '.airlock-run', 'no-config'), HOME: process.env['HOME'] ?? '/tmp' };
}

/** The text of a tool result's first content block. */
export function textOf(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content.map((c) => c.text ?? '').join('\n');
}

/** The MCP Inspector version the tests drive (a test tool, not a dependency of the project). */
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';

/**
 * The MCP Inspector's CLI entry, installed from npm on first use into a cache outside the project's dependencies (as
 * the end-to-end suite does with code-server): its own dependency tree (vite, React) is large, and one of its optional
 * packages is missing from the registry, which `npm ci` refuses in a lock file.
 */
export function inspectorEntry(): string {
  const dir = path.join(process.env['AIRLOCK_TEST_CACHE'] ?? path.join(os.homedir(), '.cache', 'airlock-test-tools'), INSPECTOR.replace(/[@/]/g, '_'));
  const entry = path.join(dir, 'node_modules', '@modelcontextprotocol', 'inspector', 'clients', 'launcher', 'build', 'index.js');
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "airlock-test-inspector", "private": true }\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', dir, INSPECTOR], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
    if (!fs.existsSync(entry)) throw new Error(`installing ${INSPECTOR} into ${dir} did not produce ${entry}`);
  }
  return entry;
}

/** Runs the MCP Inspector CLI against `airlock mcp`; resolves with its exit code and output. */
export function runInspector(ws: TempWorkspace, options: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args } = mcpCommand(ws);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [inspectorEntry(), '--cli', '--format', 'json', ...options, command, ...args], {
      cwd: repoRoot, env: { ...process.env, ...cleanEnv(), NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
