// The session file's JSON Schema, generated from the zod schemas that validate sessions (editor IntelliSense for testers).
import { z } from 'zod';
import { PolicySchema } from '../policy/schema.js';
import { SessionShapeSchema, STEP_SCHEMAS } from './schema.js';

/** The session as one schema: steps as a union on `action` and an inline policy as a policy (the loader checks them apart). */
const SessionDocumentSchema = SessionShapeSchema.extend({
  policy: z.union([z.string().min(1), PolicySchema]).optional()
    .describe('A policy file relative to the session file, a preset ("airlock:read-only"), or an inline policy. Default: the workspace\'s .airlock/policy.json.'),
  steps: z.array(z.discriminatedUnion('action', Object.values(STEP_SCHEMAS) as unknown as [typeof STEP_SCHEMAS['fs.read'], ...typeof STEP_SCHEMAS['fs.read'][]]))
    .min(1).describe('The actions the scripted agent takes, in order.'),
}).describe('An Airlock scripted agent session: a workspace, a policy, a task, the scripted user\'s answers and the steps.');

/** Draft-07, as the policy schema, for VS Code's JSON language service. */
export function sessionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(SessionDocumentSchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
}

/** The exact text of policies/session.schema.json. */
export function sessionJsonSchemaText(): string {
  return `${JSON.stringify(sessionJsonSchema(), null, 2)}\n`;
}
