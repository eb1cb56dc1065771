// The policy file's JSON Schema, generated from the zod PolicySchema (the one source of truth for the format).
import { z } from 'zod';
import { PolicySchema } from './schema.js';

/** Draft-07: the draft VS Code's JSON language service and ajv's default class both understand fully. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PolicySchema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
}

/** The exact text of policies/policy.schema.json: pretty JSON and a final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}
