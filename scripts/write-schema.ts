// Writes policies/policy.schema.json and policies/session.schema.json from the zod schemas, so editors validate and complete them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchemaText } from '../sandbox/policy/jsonSchema.js';
import { sessionJsonSchemaText } from '../sandbox/session/jsonSchema.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

for (const [name, text] of [['policy.schema.json', policyJsonSchemaText()], ['session.schema.json', sessionJsonSchemaText()]] as const) {
  const target = path.join(repoRoot, 'policies', name);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
  console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
}
