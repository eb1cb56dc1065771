// `airlock policy check|explain|test`: validate policy files, explain one decision, and run a policy's examples.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { formatProblem } from '../errors.js';
import type { AirlockProblem } from '../errors.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import { formatDecision } from '../policy/format.js';
import { displayPath, loadPolicy, userBaselineFile } from '../policy/load.js';
import type { LoadOptions, LoadResult } from '../policy/load.js';
import { formatJsonPath, parseLocatedJson } from '../policy/locate.js';
import { actionOfTest, runPolicyTests, testedSource } from '../policy/policyTests.js';
import { TaskTemplateSchema } from '../policy/schema.js';
import { startTask } from '../policy/task.js';
import type { Task } from '../policy/task.js';
import { ACTION_KINDS } from '../policy/types.js';
import type { Action, ActionKind } from '../policy/types.js';
import { closest } from '../policy/validate.js';
import { argvFromWords } from '../policy/commandSyntax.js';
import { shownPath } from '../policy/shownPath.js';
import { airlockProtectedPaths, defaultLogDir } from '../log/paths.js';
import { err, out, outJson } from './print.js';

/** Exit codes: 0 fine, 1 a policy example failed, 2 bad input or a policy that does not load. */
const EXIT_OK = 0;
const EXIT_TEST_FAILED = 1;
const EXIT_BAD_INPUT = 2;

const FAIL_CLOSED = 'Airlock fails closed with this policy: until it loads, every agent action is denied.';


/** Prints a load failure (every problem, one per line) and says what it means; returns the exit code. */
function reportLoadFailure(problems: readonly AirlockProblem[]): number {
  for (const p of problems) err(formatProblem(p));
  err(FAIL_CLOSED);
  return EXIT_BAD_INPUT;
}

const printedWarnings = new Set<string>();

/** Loads with the user's baseline under the workspace policy: `--baseline`, else userBaselineFile(); `none` for none. */
function load(opts: LoadOptions & { baseline?: string | undefined }): LoadResult {
  const { baseline, ...rest } = opts;
  const baselineFile = baseline === 'none' ? undefined : baseline ?? userBaselineFile();
  // The same protections of Airlock's own state as the harness applies (the log directory it would use for this workspace,
  // the keys, the whole state directory), so explain and the runtime agree.
  const protectedPaths = airlockProtectedPaths({ logDir: defaultLogDir(rest.workspaceRoot) });
  const result = loadPolicy({ ...rest, protectedPaths, ...(baselineFile !== undefined ? { baselineFile } : {}) });
  if (result.ok) {
    for (const w of result.warnings) {
      // Once per run: checking several files that share a baseline or an extended file warns about it once.
      const text = formatProblem(w);
      if (printedWarnings.has(text)) continue;
      printedWarnings.add(text);
      err(text);
    }
  }
  return result;
}

function policyName(policy: CompiledPolicy): string {
  return testedSource(policy)?.file ?? '(policy)';
}

function checkCommand(files: string[], opts: { workspace?: string; baseline?: string }): number {
  const workspaceRoot = path.resolve(opts.workspace ?? process.cwd());
  const targets: (string | undefined)[] = files.length > 0 ? files : [undefined];
  let code = EXIT_OK;
  for (const file of targets) {
    const result = load({ workspaceRoot, baseline: opts.baseline, ...(file !== undefined ? { file } : {}) });
    if (result.ok) out(`ok ${policyName(result.policy)}`);
    else code = reportLoadFailure(result.problems);
  }
  return code;
}

/** The action named on the command line; exec takes the remaining arguments as its argv. */
function parseAction(kindText: string, target: string[]): { ok: true; action: Action } | { ok: false; message: string } {
  if (!(ACTION_KINDS as readonly string[]).includes(kindText)) {
    const guess = closest(kindText, ACTION_KINDS);
    return { ok: false, message: `unknown action "${kindText}"; ${guess ? `did you mean "${guess}"? ` : ''}actions: ${ACTION_KINDS.join(', ')}` };
  }
  const kind = kindText as ActionKind;
  if (kind === 'exec') {
    const parsed = argvFromWords(target, 'airlock policy explain exec');
    return parsed.ok ? { ok: true, action: { kind, argv: parsed.argv } } : parsed;
  }
  if (target.length !== 1) {
    return { ok: false, message: `${kind} takes exactly one ${kind === 'net.fetch' ? 'URL' : 'path'}, got ${target.length} arguments (options go before the action)` };
  }
  const built = actionOfTest(kind, target[0] ?? '');
  return built.ok ? built : { ok: false, message: built.message };
}

function withShownPath(policy: CompiledPolicy, action: Action): Action {
  if (!('path' in action) || typeof action.path !== 'string') return action;
  return { ...action, path: shownPath(policy.workspaceRoot, policy.homeDir, action.path, { caseInsensitive: policy.matchers.caseInsensitive }) };
}

/** A task from a template the policy defines, or from a file holding a template ({intent, scope, ttlSeconds?}). */
function taskFor(policy: CompiledPolicy, nameOrFile: string, now: number): { ok: true; task: Task } | { ok: false; message: string } {
  if (Object.hasOwn(policy.tasks, nameOrFile)) {
    return { ok: true, task: startTask(policy, { id: 'explain', now, template: nameOrFile }) };
  }
  const file = path.resolve(nameOrFile);
  if (!fs.existsSync(file)) {
    const names = Object.keys(policy.tasks);
    const known = names.length > 0 ? `the policy defines ${names.map((n) => `"${n}"`).join(', ')}` : 'the policy defines no task templates';
    return { ok: false, message: `--task "${nameOrFile}" is neither a task template of the policy nor a file; ${known}` };
  }
  const shown = displayPath(file, policy.workspaceRoot);
  const parsed = parseLocatedJson(fs.readFileSync(file, 'utf8'));
  if (!parsed.ok) {
    return { ok: false, message: parsed.errors.map((e) => `${shown}:${e.position.line}:${e.position.col}: ${e.message}`).join('\n') };
  }
  const template = TaskTemplateSchema.safeParse(parsed.json.value);
  if (!template.success) {
    const lines = template.error.issues.map((issue) => {
      const p = issue.path.filter((x): x is string | number => typeof x !== 'symbol');
      const pos = parsed.json.locate(p);
      return `${shown}${pos ? `:${pos.line}:${pos.col}` : ''} ${formatJsonPath(p) || '(task)'}: ${issue.message}`;
    });
    return { ok: false, message: `${lines.join('\n')}\na task file holds {"intent": "...", "scope": {...}, "ttlSeconds": 3600}` };
  }
  const t = template.data;
  return {
    ok: true,
    task: startTask(policy, {
      id: 'explain', now, intent: t.intent, scope: t.scope, scopeFile: shown,
      ...(t.ttlSeconds !== undefined ? { ttlSeconds: t.ttlSeconds } : {}),
    }),
  };
}

function explainCommand(kindText: string, target: string[], opts: { policy?: string; workspace?: string; task?: string; json?: boolean; baseline?: string }): number {
  const parsedAction = parseAction(kindText, target);
  if (!parsedAction.ok) { err(parsedAction.message); return EXIT_BAD_INPUT; }
  const workspaceRoot = path.resolve(opts.workspace ?? process.cwd());
  const result = load({ workspaceRoot, baseline: opts.baseline, ...(opts.policy !== undefined ? { file: opts.policy } : {}) });
  if (!result.ok) return reportLoadFailure(result.problems);
  const now = Date.now();
  let task: Task | null = null;
  if (opts.task !== undefined) {
    try {
      const found = taskFor(result.policy, opts.task, now);
      if (!found.ok) { for (const line of found.message.split('\n')) err(line); return EXIT_BAD_INPUT; }
      task = found.task;
    } catch (e) {
      err(e instanceof Error ? e.message : String(e));
      return EXIT_BAD_INPUT;
    }
  }
  // A path that leaves the workspace is shown where it really is (absolute or `~/…`), as at run time.
  const action = withShownPath(result.policy, parsedAction.action);
  const decision = decide(result.policy, task, [], action, now);
  if (opts.json) {
    outJson(JSON.stringify({ verdict: decision.verdict, rule: decision.rule, reason: decision.reason }));
  } else {
    // out() escapes each line whole: the target and the reason carry agent-chosen text.
    const line = formatDecision(action, decision);
    out(line);
    // The reason on its own line, unless the decision line already ends with it (a default verdict).
    if (!line.endsWith(decision.reason)) out(`  ${decision.reason}`);
  }
  return EXIT_OK;
}

function testCommand(file: string | undefined, opts: { workspace?: string; baseline?: string }): number {
  const workspaceRoot = path.resolve(opts.workspace ?? process.cwd());
  const result = load({ workspaceRoot, baseline: opts.baseline, checkExamples: false, ...(file !== undefined ? { file } : {}) });
  if (!result.ok) return reportLoadFailure(result.problems);
  const name = policyName(result.policy);
  const results = runPolicyTests(result.policy);
  if (results.length === 0) {
    out(`${name} has no examples; add "tests" entries such as {"action": "fs.write", "target": "src/index.ts", "expect": "allow"}`);
    return EXIT_OK;
  }
  for (const r of results) {
    const line = r.action && r.decision ? formatDecision(r.action, r.decision) : `${r.test.action}  ${JSON.stringify(r.test.target)}`;
    out(`${r.pass ? '✓' : '✗'} ${line}`);
    if (!r.pass) out(`    ${formatProblem({ code: 'policy.test-failed', message: r.message, place: r.place })}`);
  }
  const failed = results.filter((r) => !r.pass).length;
  out(`${name}: ${results.length - failed} passed, ${failed} failed`);
  return failed > 0 ? EXIT_TEST_FAILED : EXIT_OK;
}

/** Runs a command body and turns its result (or an unexpected error) into the process exit code. */
function exitWith(run: () => number): void {
  try {
    process.exitCode = run();
  } catch (e) {
    err(`airlock: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = EXIT_BAD_INPUT;
  }
}

export function registerPolicyCommands(program: Command): void {
  // Positional options all the way down, so that `explain exec ls -h` passes "-h" to the argv instead of asking for help.
  program.enablePositionalOptions();
  const policy = program.command('policy')
    .description('Check, explain and test Airlock policies (.airlock/policy.json).')
    // Lets `explain` pass everything after the action through untouched: an exec argv may contain options.
    .enablePositionalOptions();

  policy.command('check')
    .description('Validate policy files (default: .airlock/policy.json); exit 0 when valid, 2 when not.')
    .argument('[files...]', 'policy files to check')
    .option('--workspace <dir>', 'workspace the policy governs (default: the current directory)')
    .option('--baseline <file>', 'the user/organisation baseline the workspace policy narrows (default: $AIRLOCK_BASELINE_POLICY or ~/.config/airlock/policy.json; "none" for none)')
    .action((files: string[], opts: { workspace?: string; baseline?: string }) => exitWith(() => checkCommand(files, opts)));

  policy.command('explain')
    .description('Explain the decision for one action, e.g. `airlock policy explain fs.write src/index.ts` or `... exec npm test`.')
    .argument('<action>', `one of ${ACTION_KINDS.join(', ')}`)
    .argument('<target...>', 'a path, a URL, or for exec the command\'s argv')
    .option('--policy <file>', 'policy file or preset (e.g. airlock:node-project); default .airlock/policy.json')
    .option('--workspace <dir>', 'workspace the policy governs (default: the current directory)')
    .option('--task <name|file>', 'decide within a task: a template name of the policy or a task template file')
    .option('--json', 'print {verdict, rule, reason} as JSON')
    .option('--baseline <file>', 'the user/organisation baseline the workspace policy narrows (default: $AIRLOCK_BASELINE_POLICY or ~/.config/airlock/policy.json; "none" for none)')
    .passThroughOptions()
    .action((kind: string, target: string[], opts: { policy?: string; workspace?: string; task?: string; json?: boolean; baseline?: string }) =>
      exitWith(() => explainCommand(kind, target, opts)));

  policy.command('test')
    .description('Run the policy\'s "tests" examples; exit 0 when all pass, 1 when one fails, 2 when the policy does not load.')
    .argument('[file]', 'policy file or preset (default: .airlock/policy.json)')
    .option('--workspace <dir>', 'workspace the policy governs (default: the current directory)')
    .option('--baseline <file>', 'the user/organisation baseline the workspace policy narrows (default: $AIRLOCK_BASELINE_POLICY or ~/.config/airlock/policy.json; "none" for none)')
    .action((file: string | undefined, opts: { workspace?: string; baseline?: string }) => exitWith(() => testCommand(file, opts)));
}
