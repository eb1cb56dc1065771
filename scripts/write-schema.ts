// Writes policies/policy.schema.json from the zod PolicySchema, so editors validate and complete policy files.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyJsonSchemaText } from '../sandbox/policy/jsonSchema.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(repoRoot, 'policies', 'policy.schema.json');

fs.mkdirSync(path.dirname(target), { recursive: true });
fs.writeFileSync(target, policyJsonSchemaText());
console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
