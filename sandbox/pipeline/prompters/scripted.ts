// The scripted user of `airlock run`: answers prompts from a session's approval list and records every prompt it saw.
import os from 'node:os';
import { AirlockError } from '../../errors.js';
import { argvFromJson } from '../../policy/commandSyntax.js';
import { argvPatternMatches, validateArgvPattern } from '../../policy/exec.js';
import { compileGlob } from '../../policy/globs.js';
import { netPatternMatches, parseActionUrl, parseNetPattern } from '../../policy/net.js';
import { normalisePath, PLATFORM_CASE_INSENSITIVE, toPosix } from '../../policy/paths.js';
import type { Action, ActionKind } from '../../policy/types.js';
import type { ApprovalAnswer, ApprovalRequest, Prompter } from '../types.js';

/** One scripted answer: the first rule whose action and target pattern match a prompt answers it. */
export interface ScriptedApproval {
  action: ActionKind;
  /** Paths: a policy glob (workspace-relative, `//abs`, `~/`). URLs: a policy net pattern. Commands: an argv pattern. */
  target: string | readonly string[];
  answer: 'allow-once' | 'allow-task' | 'deny';
  /** How many prompts this rule answers; afterwards it no longer matches. Default: every one. */
  times?: number;
}

/** A prompt as the scripted user saw it, and what became of it. */
export interface PromptRecord {
  action: ActionKind;
  target: string;
  /** Index of the approval rule that answered, or undefined when none matched (the prompt was refused). */
  rule?: number;
  answer?: ScriptedApproval['answer'];
  answered: boolean;
}

export interface ScriptedPrompterOptions {
  approvals: readonly ScriptedApproval[];
  workspaceRoot: string;
  homeDir?: string;
  caseInsensitive?: boolean;
}

type Matcher = (action: Action) => boolean;

/** An approval's target as an argv pattern, in the one command syntax (an array; see policy/commandSyntax.ts). */
export function argvPatternOf(target: string | readonly string[]): string[] {
  const parsed = argvFromJson(target, 'an exec approval target');
  if (!parsed.ok) throw new AirlockError({ code: 'session.bad-pattern', message: parsed.message });
  return parsed.argv;
}

/** Compiles one approval's target for its action kind; throws an AirlockError (`session.bad-pattern`) if it is invalid. */
export function compileApprovalTarget(approval: ScriptedApproval, opts: { homeDir: string; caseInsensitive: boolean; workspaceRoot: string }): Matcher {
  const { action, target } = approval;
  const bad = (why: string) => new AirlockError({ code: 'session.bad-pattern', message: `the approval target ${JSON.stringify(target)} is not valid for ${action}: ${why}` });
  if (action === 'exec') {
    // The command syntax's own message already names the target and the fix.
    const pattern = argvPatternOf(target);
    try {
      validateArgvPattern(pattern);
    } catch (err) {
      throw bad((err as Error).message);
    }
    return (a) => a.kind === 'exec' && argvPatternMatches(pattern, { argv: a.argv }, 'allow', opts.caseInsensitive);
  }
  if (typeof target !== 'string') throw bad('paths and URLs are written as one string, not an array');
  if (action === 'net.fetch') {
    let pattern: ReturnType<typeof parseNetPattern>;
    try {
      pattern = parseNetPattern(target);
    } catch (err) {
      throw bad((err as Error).message);
    }
    return (a) => {
      if (a.kind !== 'net.fetch') return false;
      try {
        return netPatternMatches(pattern, parseActionUrl(a.url), 'allow');
      } catch {
        return false;
      }
    };
  }
  let glob: ReturnType<typeof compileGlob>;
  try {
    glob = compileGlob(target, { homeDir: opts.homeDir, caseInsensitive: opts.caseInsensitive }, { layer: 'grant' });
  } catch (err) {
    throw bad((err as Error).message);
  }
  return (a) => {
    if (a.kind !== action || !('path' in a)) return false;
    const p = normalisePath(opts.workspaceRoot, opts.homeDir, a.path, { caseInsensitive: opts.caseInsensitive });
    return glob.base === 'workspace' ? p.rel !== null && glob.re.test(p.rel) : glob.re.test(toPosix(p.abs));
  };
}

/** The Prompter port for scripted sessions. A prompt no rule answers is refused (a rejection: the pipeline denies it). */
export class ScriptedPrompter implements Prompter {
  readonly prompts: PromptRecord[] = [];
  private readonly rules: { approval: ScriptedApproval; matches: Matcher; used: number }[];

  constructor(opts: ScriptedPrompterOptions) {
    const ctx = {
      homeDir: opts.homeDir ?? os.homedir(),
      caseInsensitive: opts.caseInsensitive ?? PLATFORM_CASE_INSENSITIVE,
      workspaceRoot: opts.workspaceRoot,
    };
    this.rules = opts.approvals.map((approval) => ({ approval, matches: compileApprovalTarget(approval, ctx), used: 0 }));
  }

  async ask(request: ApprovalRequest): Promise<ApprovalAnswer> {
    const index = this.rules.findIndex((r) => (r.approval.times === undefined || r.used < r.approval.times)
      && r.approval.action === request.action.kind && r.matches(request.action));
    const rule = this.rules[index];
    if (!rule) {
      this.prompts.push({ action: request.action.kind, target: request.target, answered: false });
      throw new AirlockError({
        code: 'session.unanswered-prompt',
        message: `no scripted approval answers ${request.action.kind} ${request.target}; add one to the session's "approvals"`,
      });
    }
    rule.used++;
    const { answer, target } = rule.approval;
    this.prompts.push({ action: request.action.kind, target: request.target, rule: index, answer, answered: true });
    if (answer === 'allow-task') {
      // The grant covers the rule's pattern, so later actions it matches are allowed without asking again.
      return { answer, target: request.action.kind === 'exec' ? argvPatternOf(target) : (target as string) };
    }
    return { answer };
  }
}
