// Fuzzes the harness's message reader: random bytes in random chunks never throw, valid frames between self-contained
// garbage arrive intact and in order, and every oversized frame is reported and skipped.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import type { Message } from 'vscode-jsonrpc';
import { GuardedMessageReader, type FramingProblem } from '../../sandbox/host/framing.js';
import { RUNS } from './support.js';

/** A small cap, so oversized frames are cheap to generate. */
const MAX = 256;

function frame(body: Buffer | string, header = 'Content-Length'): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`${header}: ${b.length}\r\n\r\n`, 'ascii'), b]);
}

/**
 * Feeds `stream` to a real reader over a real PassThrough, cut at the given offsets. A PassThrough in flowing mode
 * emits 'data' synchronously, so an exception in the reader surfaces here, where fast-check can shrink it.
 */
function read(stream: Buffer, cuts: number[]): { messages: Message[]; problems: FramingProblem[] } {
  const input = new PassThrough();
  const messages: Message[] = [];
  const problems: FramingProblem[] = [];
  const reader = new GuardedMessageReader(input, MAX, (p) => problems.push(p));
  reader.listen((m) => messages.push(m));
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const at of [...points, stream.length]) {
    if (at > from) input.write(stream.subarray(from, at));
    from = Math.max(from, at);
  }
  return { messages, problems };
}

const cuts = fc.array(fc.nat(), { maxLength: 30 });

/** A valid JSON-RPC message with a unique id, bodies with multi-byte UTF-8 (so byte and char lengths differ). */
const validMessage = (id: number) => fc.record({
  kind: fc.constantFrom('request', 'notification', 'response'),
  text: fc.string({ unit: 'grapheme', maxLength: 20 }),
}).map(({ kind, text }): Message => {
  if (kind === 'request') return { jsonrpc: '2.0', id, method: 'action/run', params: { text } } as Message;
  if (kind === 'notification') return { jsonrpc: '2.0', method: 'log/entry', params: { id, text } } as Message;
  return { jsonrpc: '2.0', id, result: { text } } as Message;
});

type Garbage =
  | { kind: 'bad-header'; bytes: Buffer }
  | { kind: 'bad-json'; bytes: Buffer }
  | { kind: 'not-json-rpc'; bytes: Buffer }
  | { kind: 'too-large'; bytes: Buffer; length: number };

/**
 * Garbage that keeps the framing intact: a header block without a length (ended by a blank line), a well-framed body
 * that is not JSON or not JSON-RPC, and a frame longer than the cap whose body follows in full.
 */
const garbage: fc.Arbitrary<Garbage> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((u): Garbage => {
    // No blank line inside (it would end the header early), no CR at all (a trailing CR would join the blank line),
    // and no content-length text: what is left is a header block the reader must skip.
    const text = Buffer.from(u).toString('latin1').replace(/\r/g, '').replace(/content-length/gi, 'x');
    return { kind: 'bad-header', bytes: Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from('\r\n\r\n')]) };
  }),
  fc.oneof(fc.constantFrom('{', '{"jsonrpc":"2.0",', 'nul', '\u0000', '[1,', ''), fc.string({ maxLength: 30 }).filter((s) => { try { JSON.parse(s); return false; } catch { return true; } }))
    .map((s): Garbage => ({ kind: 'bad-json', bytes: frame(s) })),
  fc.constantFrom('{}', '[]', '1', 'null', '"x"', '{"jsonrpc":"1.0","method":"m"}', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","method":5}', '{"jsonrpc":"2.0","result":1}')
    .map((s): Garbage => ({ kind: 'not-json-rpc', bytes: frame(s) })),
  fc.integer({ min: MAX + 1, max: 4 * MAX }).chain((length) => fc.uint8Array({ minLength: length, maxLength: length })
    .map((body): Garbage => ({ kind: 'too-large', length, bytes: frame(Buffer.from(body)) }))),
);

describe('fuzz: protocol framing', () => {
  it('random byte streams cut at random points never throw, and everything delivered is a JSON-RPC message', () => {
    const piece = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)),
      fc.constantFrom('Content-Length: ', '\r\n\r\n', '\r\n', 'content-length:3\r\n\r\n{}\n', 'Content-Length: 99999999999999999999\r\n\r\n',
        'Content-Length: -1\r\n\r\n', 'Content-Length: 1e3\r\n\r\n', 'Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}').map((s) => Buffer.from(s)),
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => frame(s)),
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), cuts, (pieces, at) => {
      const { messages } = read(Buffer.concat(pieces), at);
      for (const m of messages) assert.equal((m as { jsonrpc?: unknown }).jsonrpc, '2.0');
    }), { numRuns: RUNS.pure });
  });

  it('valid frames between garbage are delivered intact and in order; each garbage unit is reported once, oversized ones with their size', () => {
    const arb = fc.array(fc.oneof(garbage.map((g) => ({ g })), fc.constant({ g: undefined })), { maxLength: 12 })
      .chain((slots) => fc.tuple(...slots.map((s, i) => (s.g ? fc.constant({ garbage: s.g }) : validMessage(i).map((m) => ({ message: m })))))
        .map((units) => units as Array<{ garbage: Garbage } | { message: Message }>));
    fc.assert(fc.property(arb, cuts, (units, at) => {
      const stream = Buffer.concat(units.map((u) => ('garbage' in u ? u.garbage.bytes : frame(JSON.stringify(u.message)))));
      const { messages, problems } = read(stream, at);
      const expected = units.flatMap((u) => ('message' in u ? [u.message] : []));
      assert.deepEqual(messages, expected);
      const reported = problems.map((p) => (p.kind === 'too-large' ? `too-large:${p.bytes}` : p.kind));
      const want = units.flatMap((u) => ('garbage' in u ? [u.garbage.kind === 'too-large' ? `too-large:${u.garbage.length}` : u.garbage.kind] : []));
      assert.deepEqual(reported, want);
    }), { numRuns: RUNS.medium, examples: [[[{ garbage: { kind: 'too-large', length: MAX + 1, bytes: frame(Buffer.alloc(MAX + 1, 0x7b)) } }, { message: { jsonrpc: '2.0', method: 'm' } as Message }], [3]]] });
  });
});
