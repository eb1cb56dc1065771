// The line format: the writer's canonical serialiser equals the `canonicalize` package, and lines parse back exactly.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { buildEntry } from '../../sandbox/log/build.js';
import { canonicalClone, canonicalJson } from '../../sandbox/log/canonical.js';
import { ENTRY_KINDS, type EntryInput } from '../../sandbox/log/entry.js';
import { entryHash, LineEncoder, parseLine } from '../../sandbox/log/format.js';
import { redactValue } from '../../sandbox/log/redact.js';
import { AirlockError } from '../../sandbox/errors.js';

const chain = { seq: 7, ts: '2025-01-01T00:00:00.000Z', session: 's', prev: 'a'.repeat(64) };

/** Any code point, and now and then a lone surrogate (fast-check's 'binary' unit never yields one). */
const withLoneSurrogates = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udbff', '\udc00', '\udfff') },
);

/** Random entry inputs: every field, with arbitrary JSON (index-like and `__proto__` keys included) in rule and data. */
function arbitraryInput(stringUnit: 'grapheme' | typeof withLoneSurrogates): fc.Arbitrary<EntryInput> {
  const str = fc.string({ unit: stringUnit });
  const json = fc.jsonValue({ stringUnit });
  return fc.record({
    kind: fc.constantFrom(...ENTRY_KINDS), task: str, action: str, target: str,
    verdict: fc.constantFrom('allow', 'ask', 'deny'), decidedBy: fc.constantFrom('policy', 'user', 'timeout', 'killswitch', 'grant'),
    outcome: fc.constantFrom('done', 'denied', 'error', 'killed'), error: fc.record({ code: str, message: str }),
    rule: json, data: fc.dictionary(fc.string({ unit: stringUnit }), json), digests: fc.dictionary(str, str),
    durationMs: fc.double({ noNaN: true, noDefaultInfinity: true }), ref: fc.nat(), script: str,
  }, { requiredKeys: ['kind'] }) as fc.Arbitrary<EntryInput>;
}

const SECRETISH_KEYS = ['token', 'Authorization', 'DB_PASSWORD', 'apiKey', 'name', 'path', 'x-api-key', 'cookie', '0', '10', '__proto__', 'constructor'];
const SECRETISH_TEXT = ['Bearer abcdefghijkl', 'https://u:pw@h.test/x?token=abc', 'AKIAIOSFODNN7EXAMPLE', 'sk-abcdefghijklmnopqrstuvwxyz012345', '[redacted:secret]', '', 'plain'];

describe('log line format', () => {
  it('canonicalJson equals canonicalize on random JSON values (including index-like keys and unicode)', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'grapheme' }), (value) => {
      assert.equal(canonicalJson(value), canonicalize(value));
    }), { numRuns: 2000 });
  });

  it("an entry's JSON equals canonicalize of the input fields and chain, extra input keys dropped", () => {
    fc.assert(fc.property(arbitraryInput('grapheme'), fc.string(), (input, extra) => {
      const built = buildEntry({ ...input, extra } as EntryInput, chain, false);
      assert.equal(built.json, canonicalize({ ...input, ...chain, v: 1 }));
      assert.equal(built.json, canonicalize(built.body));
    }), { numRuns: 2000 });
  });

  it("a redacted entry's JSON is the canonical JSON of the body the writer returns, lone surrogates included", () => {
    fc.assert(fc.property(arbitraryInput(withLoneSurrogates), (input) => {
      let built: ReturnType<typeof buildEntry>;
      try {
        built = buildEntry(input, chain, true);
      } catch (err) {
        // Only a lone surrogate in a key is refused: redaction cannot rename keys, and RFC 8785 has no such key.
        assert.equal((err as AirlockError).code, 'log.bad-entry');
        assert.throws(() => canonicalize(redactValue(input)), /Lone surrogate/);
        return;
      }
      assert.equal(built.json, canonicalize(built.body));
    }), { numRuns: 2000 });
  });

  it('the redacting clone renders as canonicalize of redactValue, for secret-named keys and secret-bearing text', () => {
    const key = fc.oneof(fc.constantFrom(...SECRETISH_KEYS), fc.string());
    const leaf = fc.oneof(fc.constantFrom(...SECRETISH_TEXT), fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(key, tie('tree'), { maxKeys: 5 })),
    }));
    fc.assert(fc.property(tree, (value) => {
      let clone: unknown;
      try {
        clone = canonicalClone(value, true);
      } catch {
        return; // index-like or `__proto__` keys: the writer takes redactValue + canonicalize for these
      }
      assert.equal(JSON.stringify(clone), canonicalize(redactValue(value)));
    }), { numRuns: 2000 });
  });

  it('refuses values RFC 8785 cannot represent (NaN, Infinity, BigInt) as log.bad-entry', () => {
    for (const bad of [NaN, Infinity, 10n]) {
      const input = { kind: 'outcome', durationMs: bad } as unknown as EntryInput;
      assert.throws(() => buildEntry(input, chain, true), (e: AirlockError) => e.code === 'log.bad-entry');
      assert.throws(() => buildEntry({ kind: 'outcome', data: { x: bad } }, chain, true), (e: AirlockError) => e.code === 'log.bad-entry');
      assert.throws(() => canonicalJson({ x: bad }), (e: AirlockError) => e.code === 'log.bad-entry');
    }
  });

  it('serialises Dates and other toJSON values as canonicalize does', () => {
    const built = buildEntry({ kind: 'grant', data: { when: new Date('2025-01-01T00:00:00Z'), m: { toJSON: () => 'x' } } }, chain, false);
    assert.equal(built.json, canonicalize(built.body));
    assert.ok(built.json.includes('"data":{"m":"x","when":"2025-01-01T00:00:00.000Z"}'));
  });

  it('encodes `<hash> <json>\\n` with the hash over domain ‖ prev ‖ json, and parses it back', () => {
    const encoder = new LineEncoder();
    const inputs: EntryInput[] = [
      { kind: 'decision' },
      { kind: 'decision', target: 'ünïcødé ✓ 𝄞' },
      { kind: 'decision', data: { big: 'x'.repeat(100_000) } },
      { kind: 'decision', target: 'back to a short line' },
    ];
    for (const input of inputs) {
      const { body, json } = buildEntry(input, chain, true);
      const { hash, line } = encoder.encode(body.prev, json);
      const text = line.toString('utf8');
      assert.ok(text.endsWith('\n'));
      assert.equal(text.slice(65, -1), canonicalize(body));
      assert.equal(hash, entryHash(body.prev, json));
      assert.equal(text.slice(0, 65), `${hash} `);
      assert.deepEqual(parseLine(text.slice(0, -1)), { ...body, hash });
    }
  });

  it('rejects lines that are not `<hash> <json>`', () => {
    for (const bad of ['', 'x'.repeat(70), `${'a'.repeat(64)} not json`, `${'a'.repeat(64)} []`, `${'a'.repeat(64)} {"seq":1}`]) {
      assert.throws(() => parseLine(bad, 3), (e: AirlockError) => e.code === 'log.malformed' && e.message.includes('line 3'));
    }
  });
});
