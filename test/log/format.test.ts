// The line format: the fast canonical serialiser equals the `canonicalize` package, and lines parse back exactly.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { canonicalJson, entryJson, entryHash, LineEncoder, parseLine } from '../../sandbox/log/format.js';
import type { LogEntry } from '../../sandbox/log/entry.js';
import { AirlockError } from '../../sandbox/errors.js';

const body = (over: Record<string, unknown> = {}) => ({
  kind: 'decision', v: 1, seq: 7, ts: '2025-01-01T00:00:00.000Z', session: 's', prev: 'a'.repeat(64), ...over,
}) as unknown as Omit<LogEntry, 'hash'>;

describe('log line format', () => {
  it('canonicalJson equals canonicalize on random JSON values (including index-like keys and unicode)', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      assert.equal(canonicalJson(value), canonicalize(value));
    }), { numRuns: 2000 });
  });

  it('entryJson equals canonicalize on random entry bodies, extra keys included', () => {
    const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
    const arbitraryBody = fc.record({
      kind: fc.constantFrom('decision', 'outcome', 'weird kind "x"'), task: fc.string(), action: fc.string(), target: fc.string({ unit: 'binary' }),
      verdict: fc.constantFrom('allow', 'ask', 'deny'), rule: fc.jsonValue(), data: fc.dictionary(fc.string(), fc.jsonValue()),
      durationMs: fc.double({ noNaN: true, noDefaultInfinity: true }), ref: fc.nat(), seq: fc.nat(), prev: fc.stringMatching(/^[0-9a-f]{64}$/),
      ts: fc.string(), session: fc.string(), v: fc.constant(1), extra: scalar,
    }, { requiredKeys: ['kind', 'seq', 'prev'] });
    fc.assert(fc.property(arbitraryBody, (b) => {
      assert.equal(entryJson(b as unknown as Omit<LogEntry, 'hash'>), canonicalize(b));
    }), { numRuns: 2000 });
  });

  it('refuses values RFC 8785 cannot represent (NaN, Infinity, BigInt) as log.bad-entry', () => {
    for (const bad of [NaN, Infinity, 10n]) {
      assert.throws(() => entryJson(body({ durationMs: bad })), (e: AirlockError) => e.code === 'log.bad-entry');
      assert.throws(() => canonicalJson({ x: bad }), (e: AirlockError) => e.code === 'log.bad-entry');
    }
  });

  it('serialises Dates and other toJSON values as canonicalize does', () => {
    const b = body({ data: { when: new Date('2025-01-01T00:00:00Z'), m: { toJSON: () => 'x' } } });
    assert.equal(entryJson(b), canonicalize(b));
  });

  it('encodes `<hash> <json>\\n` with the hash over domain ‖ prev ‖ json, and parses it back', () => {
    const encoder = new LineEncoder();
    for (const b of [body(), body({ target: 'ünïcødé ✓ 𝄞', seq: 8 }), body({ data: { big: 'x'.repeat(100_000) } })]) {
      const { hash, line } = encoder.encode(b);
      const text = line.toString('utf8');
      assert.ok(text.endsWith('\n'));
      const json = text.slice(65, -1);
      assert.equal(json, canonicalize(b));
      assert.equal(hash, entryHash(b.prev, json));
      assert.equal(text.slice(0, 65), `${hash} `);
      assert.deepEqual(parseLine(text.slice(0, -1)), { ...b, hash });
    }
  });

  it('rejects lines that are not `<hash> <json>`', () => {
    for (const bad of ['', 'x'.repeat(70), `${'a'.repeat(64)} not json`, `${'a'.repeat(64)} []`, `${'a'.repeat(64)} {"seq":1}`]) {
      assert.throws(() => parseLine(bad, 3), (e: AirlockError) => e.code === 'log.malformed' && e.message.includes('line 3'));
    }
  });
});
