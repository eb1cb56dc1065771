// Runs the real Claude Code binary (installed by `npm ci` with @anthropic-ai/claude-agent-sdk) headless, isolated from the
// machine (its own HOME and XDG folders, no network but the scripted model server), and returns what it printed.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.js';

/** Where `npm ci` puts the Claude Code binary on this platform (an optional dependency of the Agent SDK). */
export function claudeBinary(): { path: string } | { missing: string } {
  const pkgs = [`@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}`, `@anthropic-ai/claude-agent-sdk-${process.platform}-${process.arch}-musl`];
  const files = pkgs.map((pkg) => path.join(repoRoot, 'node_modules', pkg, process.platform === 'win32' ? 'claude.exe' : 'claude'));
  const found = files.find((f) => fs.existsSync(f));
  if (found) return { path: found };
  return { missing: `the real Claude Code binary is not installed (looked for ${files.join(' and ')}: ${pkgs[0]}, an optional dependency of @anthropic-ai/claude-agent-sdk that npm ci installs on ${process.platform}-${process.arch}); run npm ci` };
}

export interface ClaudeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The final `--output-format json` result, when Claude Code printed one. */
  result: ClaudeResult | undefined;
  ms: number;
}

export interface ClaudeResult {
  type: string;
  subtype?: string;
  is_error?: boolean;
  result?: string;
  session_id?: string;
  num_turns?: number;
  permission_denials?: Array<{ tool_name: string; tool_use_id: string; tool_input: unknown }>;
  [k: string]: unknown;
}

export interface ClaudeOptions {
  /** The folder Claude Code runs in (the workspace). */
  cwd: string;
  /** The scripted model server's URL. */
  baseUrl: string;
  /** A folder of this run's own: HOME, XDG folders and Claude Code's config live under it. */
  home: string;
  prompt?: string;
  /** More arguments (e.g. --settings for an http hook, --permission-mode). */
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * Claude Code in `-p` mode with JSON output. Its own permission prompt cannot be answered headless, so the tools the
 * scripts use are pre-allowed with --allowedTools: then only a hook can refuse a call, which is what the tests measure.
 */
export function runClaude(opts: ClaudeOptions): Promise<ClaudeRun> {
  const bin = claudeBinary();
  if ('missing' in bin) return Promise.reject(new Error(bin.missing));
  for (const d of ['config', 'cache', 'data', 'state', 'tmp', '.claude']) fs.mkdirSync(path.join(opts.home, d), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: opts.home,
    XDG_CONFIG_HOME: path.join(opts.home, 'config'),
    XDG_CACHE_HOME: path.join(opts.home, 'cache'),
    XDG_DATA_HOME: path.join(opts.home, 'data'),
    XDG_STATE_HOME: path.join(opts.home, 'state'),
    // Claude Code keeps per-project scratch files under $TMPDIR/claude-<uid>: inside this run's folder, removed with it.
    TMPDIR: path.join(opts.home, 'tmp'),
    CLAUDE_CONFIG_DIR: path.join(opts.home, '.claude'),
    ANTHROPIC_API_KEY: 'test',
    ANTHROPIC_BASE_URL: opts.baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
    CI: '1',
    ...opts.env,
  };
  const args = ['-p', opts.prompt ?? 'Do the task.', '--output-format', 'json', '--model', 'claude-sonnet-4-5', ...(opts.args ?? [])];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin.path, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let result: ClaudeResult | undefined;
      const last = stdout.trim().split('\n').at(-1) ?? '';
      try { result = last ? JSON.parse(last) as ClaudeResult : undefined; } catch { result = undefined; }
      resolve({ code, signal, stdout, stderr, result, ms: Date.now() - started });
    });
  });
}

/** The `airlock` command as a user runs it from a clone (bin/airlock.js → dist/cli.js, built by `npm ci`). */
export function runAirlockBin(args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', path.join(repoRoot, 'bin', 'airlock.js'), ...args], {
      cwd: opts.cwd, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', AIRLOCK_BASELINE_POLICY: '', ...opts.env, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
