// `airlock hook <agent> [--event pre|post]`: the entry of dist/hook.js, kept apart from the CLI so that an agent's every
// tool call starts only what the decision needs. Reads one hook input, answers in the agent's format, fails closed.
import { formatFailure, HookInputError, type HookOutput } from './agents.js';
import { answerHook } from './answer.js';

const MAX_INPUT_BYTES = 4 * 1024 * 1024;

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_INPUT_BYTES) reject(new HookInputError(`the hook input is larger than ${MAX_INPUT_BYTES} bytes`));
      else chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

function emit(out: HookOutput): never {
  if (out.stderr) process.stderr.write(out.stderr);
  process.stdout.write(out.stdout, () => process.exit(out.exit));
  // process.exit above runs once stdout drained; this keeps the type honest.
  return undefined as never;
}

/** `airlock hook <agent> [--event pre|post]`, with the input on stdin. */
export async function runHook(args: readonly string[]): Promise<HookOutput> {
  const eventArg = args.includes('--event') ? args[args.indexOf('--event') + 1] : undefined;
  const event = eventArg === 'post' || eventArg === 'pre' ? eventArg : undefined;
  let text: string;
  try {
    text = await readStdin();
  } catch (err) {
    return formatFailure(undefined, err instanceof Error ? err.message : String(err));
  }
  return answerHook(args[0] ?? '', text, event ? { event } : {});
}

process.on('uncaughtException', (err) => emit(formatFailure(undefined, `the hook crashed (${err.message})`)));
process.on('unhandledRejection', (err) => emit(formatFailure(undefined, `the hook crashed (${err instanceof Error ? err.message : String(err)})`)));

const argv = process.argv.slice(2);
// Invoked as `airlock hook <agent>` (bin/airlock.js) or `node dist/hook.js <agent>`.
emit(await runHook(argv[0] === 'hook' ? argv.slice(1) : argv).catch((err: unknown) => formatFailure(undefined, `the hook crashed (${err instanceof Error ? err.message : String(err)})`)));
