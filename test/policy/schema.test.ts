// The generated JSON Schema: committed and fresh are equal, every field is described, and every preset validates.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { policyJsonSchema, policyJsonSchemaText } from '../../sandbox/policy/jsonSchema.js';
import { presetNames, presetsDir } from '../../sandbox/policy/presets.js';
import { repoRoot } from '../support/cli.js';

const schemaFile = path.join(repoRoot, 'policies', 'policy.schema.json');

/** Every named property anywhere in the schema, with its JSON pointer-ish path. */
function properties(node: unknown, at: string, out: { at: string; schema: Record<string, unknown> }[] = []) {
  if (Array.isArray(node)) node.forEach((n, i) => properties(n, `${at}[${i}]`, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'properties' && value !== null && typeof value === 'object') {
        for (const [name, schema] of Object.entries(value)) out.push({ at: `${at}.${name}`, schema: schema as Record<string, unknown> });
      }
      properties(value, `${at}.${key}`, out);
    }
  }
  return out;
}

describe('policy JSON Schema', () => {
  it('is up to date with the zod schema (run npm run schema if not)', () => {
    const committed = fs.readFileSync(schemaFile, 'utf8');
    assert.ok(committed === policyJsonSchemaText(), 'policies/policy.schema.json is stale: run npm run schema');
  });

  it('describes every field, for editor hovers', () => {
    const fields = properties(policyJsonSchema(), '$');
    assert.ok(fields.length > 30, 'the schema has its fields');
    const undocumented = fields.filter((f) => typeof f.schema.description !== 'string' || f.schema.description === '').map((f) => f.at);
    assert.deepEqual(undocumented, []);
  });

  describe('validates with ajv', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);

    for (const name of presetNames()) {
      it(`accepts the preset ${name}`, () => {
        const doc = JSON.parse(fs.readFileSync(path.join(presetsDir(), `${name}.json`), 'utf8')) as unknown;
        assert.ok(validate(doc), ajv.errorsText(validate.errors));
      });
    }

    it('rejects what the loader rejects: unknown fields, another version, a shell string as a command', () => {
      assert.equal(validate({ version: 1, fs: { writes: {} } }), false);
      assert.equal(validate({ version: 2 }), false);
      assert.equal(validate({ version: 1, exec: { allow: ['npm test'] } }), false);
      assert.equal(validate({ version: 1, exec: { allow: [['npm', 'test']] } }), true);
    });
  });

  it('is what each preset points its editor at', () => {
    for (const name of presetNames()) {
      const doc = JSON.parse(fs.readFileSync(path.join(presetsDir(), `${name}.json`), 'utf8')) as { $schema?: string };
      assert.equal(doc.$schema, './policy.schema.json', name);
    }
  });
});
