// The session file format (a public contract, see examples/README-sessions.md), as zod schemas: one per step action.
import { z } from 'zod';
import { ACTION_KINDS } from '../policy/types.js';
import { ScopeSchema } from '../policy/schema.js';

export const EXPECT_OUTCOMES = ['done', 'denied', 'error', 'killed'] as const;

const isRegex = (s: string): boolean => {
  try {
    new RegExp(s);
    return true;
  } catch {
    return false;
  }
};

export const ExpectSchema = z.strictObject({
  verdict: z.enum(['allow', 'ask', 'deny']).optional().describe('What the policy said, before anyone was asked.'),
  outcome: z.enum(EXPECT_OUTCOMES).optional().describe('What happened to the action.'),
  decidedBy: z.enum(['policy', 'grant', 'user', 'timeout', 'killswitch']).optional().describe('Who made the final call.'),
  resultContains: z.string().optional().describe('A substring of the result (the string itself, or its JSON).'),
  errorMatches: z.string().refine(isRegex, 'errorMatches must be a valid regular expression').optional()
    .describe('A regular expression the error message (or its code) must match.'),
}).describe('What the step must produce; every field given must hold.');

const common = {
  name: z.string().min(1).optional().describe('A label shown in reports instead of the action and target.'),
  expect: ExpectSchema.optional(),
};
const Path = z.string().min(1).describe('A path relative to the workspace (or absolute).');
const Encoding = z.enum(['utf8', 'base64']).optional();

/** One schema per step action; the `action` field chooses among them. */
export const STEP_SCHEMAS = {
  'fs.read': z.strictObject({ action: z.literal('fs.read'), path: Path, encoding: Encoding, ...common }),
  'fs.write': z.strictObject({ action: z.literal('fs.write'), path: Path, content: z.string(), encoding: Encoding, ...common }),
  'fs.list': z.strictObject({ action: z.literal('fs.list'), path: Path.default('.'), ...common }),
  'fs.stat': z.strictObject({ action: z.literal('fs.stat'), path: Path, ...common }),
  'fs.delete': z.strictObject({ action: z.literal('fs.delete'), path: Path, recursive: z.boolean().optional(), ...common }),
  'fs.mkdir': z.strictObject({ action: z.literal('fs.mkdir'), path: Path, ...common }),
  'net.fetch': z.strictObject({
    action: z.literal('net.fetch'),
    url: z.string().min(1),
    method: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    ...common,
  }),
  exec: z.strictObject({
    action: z.literal('exec'),
    argv: z.array(z.string().min(1)).min(1).describe('The command as an argv array, never a shell string.'),
    cwd: z.string().min(1).optional(),
    timeoutMs: z.number().int().positive().optional(),
    input: z.string().optional(),
    ...common,
  }),
  script: z.strictObject({
    action: z.literal('script'),
    code: z.string().min(1).describe('The body of an async function; `airlock.*` is the capability API; its return value is the result.'),
    ...common,
  }),
  kill: z.strictObject({
    action: z.literal('kill'),
    reason: z.string().min(1).optional(),
    ...common,
  }).describe('Triggers the kill switch for the session task: every later action of the task is refused.'),
} as const;

export type StepAction = keyof typeof STEP_SCHEMAS;
export const STEP_ACTIONS = Object.keys(STEP_SCHEMAS) as StepAction[];
export type SessionStep = { [K in StepAction]: z.infer<(typeof STEP_SCHEMAS)[K]> }[StepAction];
export type Expectation = z.infer<typeof ExpectSchema>;

export const ApprovalRuleSchema = z.strictObject({
  action: z.enum(ACTION_KINDS).describe('The action kind this answer is for.'),
  target: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe(
    'Paths: a workspace-relative glob. URLs: a policy net pattern (scheme://host[:port][/path-glob]). '
    + 'Commands: an argv pattern as an array, e.g. ["npm", "install", "**"] ("*" one argument, "**" the rest).',
  ),
  answer: z.enum(['allow-once', 'allow-task', 'deny']).describe('allow-task grants the target pattern for the rest of the task.'),
  times: z.number().int().positive().optional()
    .describe('How many prompts this answer answers; after that it no longer matches (a later approval may). Default: every one.'),
}).describe('How the scripted user answers a prompt that matches.');
export type ApprovalRule = z.infer<typeof ApprovalRuleSchema>;

export const SessionTaskSchema = z.strictObject({
  intent: z.string().min(1).optional(),
  template: z.string().min(1).optional().describe('A task template of the policy (`tasks` in policy.json).'),
  scope: ScopeSchema.optional(),
  ttlSeconds: z.number().int().positive().optional(),
}).describe('The task the session runs in.');

/** The session object; `steps` are checked one by one against STEP_SCHEMAS so errors name the step's own fields. */
export const SessionShapeSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().min(1).describe('What the session shows, e.g. "fix the failing parser test".'),
  description: z.string().optional(),
  workspace: z.string().min(1).describe('Folder copied to a fresh temp dir for the run, relative to the session file.'),
  policy: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional()
    .describe('A policy file relative to the session file, or an inline policy. Default: the workspace\'s .airlock/policy.json.'),
  task: SessionTaskSchema.optional(),
  approvals: z.array(ApprovalRuleSchema).optional(),
  steps: z.array(z.unknown()).min(1),
});
