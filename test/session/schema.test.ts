// The session file's generated JSON Schema: committed and fresh are equal, and it accepts and refuses what the loader does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parseLocatedJson } from '../../sandbox/policy/locate.js';
import { sessionJsonSchemaText } from '../../sandbox/session/jsonSchema.js';
import { repoRoot } from '../support/cli.js';

const schemaFile = path.join(repoRoot, 'policies', 'session.schema.json');

describe('session JSON Schema', () => {
  it('is up to date with the zod schema (run npm run schema if not)', () => {
    assert.ok(fs.readFileSync(schemaFile, 'utf8') === sessionJsonSchemaText(), 'policies/session.schema.json is stale: run npm run schema');
  });

  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as object);
  const examples = path.join(repoRoot, 'examples', 'sessions');

  for (const name of fs.readdirSync(examples).filter((f) => f.endsWith('.json'))) {
    it(`accepts the bundled session ${name}, which points its editor at the schema`, () => {
      const parsed = parseLocatedJson(fs.readFileSync(path.join(examples, name), 'utf8'));
      assert.ok(parsed.ok);
      assert.ok(validate(parsed.json.value), ajv.errorsText(validate.errors));
      assert.equal((parsed.json.value as { $schema?: string }).$schema, '../../policies/session.schema.json');
    });
  }

  it('refuses what the loader refuses: unknown fields, unknown actions, a shell string as argv, a bad inline policy', () => {
    const base = { name: 's', workspace: '.', task: { template: 't' } };
    assert.equal(validate({ ...base, steps: [{ action: 'fs.read', path: 'a' }] }), true, ajv.errorsText(validate.errors));
    assert.equal(validate({ ...base, steps: [{ action: 'fs.read', pth: 'a' }] }), false);
    assert.equal(validate({ ...base, steps: [{ action: 'fs.raed', path: 'a' }] }), false);
    assert.equal(validate({ ...base, steps: [{ action: 'exec', argv: 'npm test' }] }), false);
    assert.equal(validate({ ...base, steps: [] }), false);
    assert.equal(validate({ ...base, policy: { version: 2 }, steps: [{ action: 'fs.list' }] }), false);
    assert.equal(validate({ ...base, policy: { version: 1 }, steps: [{ action: 'fs.list' }] }), true);
    assert.equal(validate({ ...base, approvals: [{ action: 'exec', target: ['npm', 'test'], answer: 'allow-once', times: 1 }], steps: [{ action: 'fs.list' }] }), true);
    assert.equal(validate({ ...base, approvals: [{ action: 'exec', target: ['npm'], answer: 'allow-once', times: 0 }], steps: [{ action: 'fs.list' }] }), false);
  });
});
