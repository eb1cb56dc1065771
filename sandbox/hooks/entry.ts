// The entry of dist/hook.js (`airlock hook <agent> [--event pre|post]`): a thin client of node: builtins only. It hands
// the hook input to this user's hook server (a Unix socket in the state directory) and prints its answer; with no server
// there it loads the full hook (dist/hook-main.js, Node's compile cache on), answers in-process and starts the server
// for the next call. Once the input is sent, the server's answer is the only one: a server that dies mid-call is a deny.
import fs from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { airlockStateDir } from '../log/stateDir.js';
import { CLIENT_DEADLINE_MS, exchange, hookServerDir, hookServerId, hookSocketPath, MAX_INPUT_BYTES, ownSocket, privateDir } from './hookd.js';
import { agentProcess, formatFailure, isAgentName, type AgentName, type HookOutput } from './output.js';

interface HookMain {
  answerHook(agent: string, text: string, opts: { event?: 'pre' | 'post'; parentPid?: number }): Promise<HookOutput>;
  runHookServer(id: string, socketPath: string, bundleFile: string): Promise<void>;
}

const self = fileURLToPath(import.meta.url);
// The bundle next to this entry (dist/hook-main.js); run from the sources (tests, through tsx), main.ts.
const bundle = ['hook-main.js', 'main.ts'].map((f) => path.join(path.dirname(self), f)).find((f) => fs.existsSync(f)) ?? path.join(path.dirname(self), 'hook-main.js');

let agent: AgentName | undefined;

let emitted = false;

/** Writes the one answer and exits with its code; anything after the first answer (a late crash) changes nothing. */
function emit(out: HookOutput): never {
  if (emitted) return undefined as never;
  emitted = true;
  if (out.stderr) process.stderr.write(out.stderr);
  process.stdout.write(out.stdout, () => process.exit(out.exit));
  // process.exit above runs once stdout drained; this keeps the type honest.
  return undefined as never;
}

const crashed = (err: unknown) => emit(formatFailure(agent, `the hook crashed (${err instanceof Error ? err.message : String(err)})`));
process.on('uncaughtException', crashed);
process.on('unhandledRejection', crashed);

/** Loads the full hook with Node's compile cache in the state directory (0700, owner checked; else without the cache). */
async function loadMain(): Promise<HookMain> {
  try {
    const dir = path.join(airlockStateDir(), 'compile-cache');
    if (privateDir(dir, true) && typeof module.enableCompileCache === 'function') module.enableCompileCache(dir);
  } catch {
    // No cache: slower, same answer.
  }
  try {
    return await import(pathToFileURL(bundle).href) as HookMain;
  } catch (err) {
    // Fail closed: exit 2 blocks the call for the agents that honour it (Claude Code, Codex, Gemini CLI, VS Code).
    return emit({ stdout: '', stderr: `Airlock denied this tool call: the hook could not load (${err instanceof Error ? err.message : String(err)}); reinstall airlock (npm ci runs the build)\n`, exit: 2 });
  }
}

/** The hook input: read straight from fd 0 (no stdin stream to set up), or as a stream where fd 0 does not block. */
function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  const tooLarge = () => new Error(`the hook input is larger than ${MAX_INPUT_BYTES} bytes`);
  try {
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      const n = fs.readSync(0, buf, 0, buf.length, null);
      if (n === 0) return Promise.resolve(Buffer.concat(chunks).toString('utf8'));
      size += n;
      if (size > MAX_INPUT_BYTES) return Promise.reject(tooLarge());
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } catch (err) {
    // A non-blocking stdin (EAGAIN) and the like: the rest comes through the stream.
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' && (err as NodeJS.ErrnoException).code !== 'EWOULDBLOCK') return Promise.reject(err as Error);
  }
  return new Promise((resolve, reject) => {
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_INPUT_BYTES) reject(tooLarge());
      else chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function isHookOutput(v: unknown): v is HookOutput {
  const o = v as Partial<HookOutput> | null;
  return typeof o === 'object' && o !== null && typeof o.stdout === 'string' && typeof o.stderr === 'string' && Number.isSafeInteger(o.exit);
}

/** `airlock hook <agent> [--event pre|post]`, the input on stdin. */
async function runHook(args: readonly string[]): Promise<HookOutput> {
  const agentArg = args[0] ?? '';
  agent = isAgentName(agentArg) ? agentArg : undefined;
  const eventArg = args.includes('--event') ? args[args.indexOf('--event') + 1] : undefined;
  const event = eventArg === 'post' || eventArg === 'pre' ? eventArg : undefined;
  let text: string;
  try {
    text = await readStdin();
  } catch (err) {
    return formatFailure(agent, err instanceof Error ? err.message : String(err));
  }
  // The Copilot CLI sends no session id: its process stands for the session, computed here, in the hook's own process.
  const parentPid = agentProcess();

  const useServer = process.env['AIRLOCK_HOOK_SERVER'] !== 'off' && process.platform !== 'win32';
  const dir = hookServerDir();
  const id = useServer ? hookServerId(bundle) : '';
  const socket = useServer ? hookSocketPath(id, dir) : undefined;
  let startServer = false;
  if (socket) {
    if (!fs.existsSync(dir)) {
      startServer = true;
    } else if (privateDir(dir, false)) {
      // Only a socket of this user's in a folder closed to others; anything else is neither used nor replaced here.
      if (!fs.existsSync(socket)) startServer = true;
      else if (ownSocket(socket)) {
        const r = await exchange(socket, { v: 1, op: 'hook', agent: agentArg, ...(event ? { event } : {}), parentPid, input: text }, CLIENT_DEADLINE_MS);
        if (r.kind === 'answer') return isHookOutput(r.value) ? r.value : formatFailure(agent, 'the Airlock hook server answered something that is not a hook answer');
        // Sent, and no answer: the server may have decided (and logged) already; a second decision here could differ.
        if (r.kind === 'broken') return formatFailure(agent, `the Airlock hook server did not answer (${r.reason})`);
        startServer = r.code === 'ECONNREFUSED';
      }
    }
  }
  const main = await loadMain();
  const out = await main.answerHook(agentArg, text, { ...(event ? { event } : {}), parentPid });
  if (startServer && socket) {
    try {
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [...process.execArgv, self, '--serve', id, socket], { detached: true, stdio: 'ignore', env: process.env, cwd: path.parse(self).root });
      child.on('error', () => { /* no server: the next call answers in-process again */ });
      child.unref();
    } catch {
      // No server: the next call answers in-process again.
    }
  }
  return out;
}

const argv = process.argv.slice(2);
// Invoked as `airlock hook <agent>` (bin/airlock.js) or `node dist/hook.js <agent>`; `--serve <id> <socket>` is the server.
const args = argv[0] === 'hook' ? argv.slice(1) : argv;
if (args[0] === '--serve' && args[1] && args[2]) {
  await (await loadMain()).runHookServer(args[1], args[2], bundle);
} else {
  emit(await runHook(args).catch((err: unknown) => formatFailure(agent, `the hook crashed (${err instanceof Error ? err.message : String(err)})`)));
}
