// Fuzzes the one display escaper: no control, C1, bidi or invisible character survives; printable text is unchanged; the escape is reversible.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { displayArgv, displaySafe, hasUnsafeDisplayCharacters } from '../../sandbox/protocol/display.js';
import { RUNS } from './support.js';

/** Every code point a terminal or a UI must never get raw, checked one by one (independent of the escaper's regex). */
function isUnsafeCodeUnit(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0x061c || code === 0x180e
    || (code >= 0x200b && code <= 0x200f) || (code >= 0x2028 && code <= 0x202e) || (code >= 0x2060 && code <= 0x2069)
    || code === 0xfeff || (code >= 0xfff9 && code <= 0xfffb);
}

/** True when the string holds an unsafe character or a lone surrogate. */
function holdsUnsafe(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) { i++; continue; }
      return true;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return true;
    if (isUnsafeCodeUnit(c)) return true;
  }
  return false;
}

/** Reads the escapes back: `\n`, `\r`, `\t`, `\xHH`, `\uHHHH` (only what the escaper writes; other backslashes as is). */
function unescape(shown: string, original: string): string {
  // Backslashes of the original are kept as they are, so reversing needs to know where they were: walk both.
  let out = '';
  let i = 0;
  let j = 0;
  while (i < shown.length) {
    if (original[j] === shown[i]) { out += shown[i]; i++; j++; continue; }
    const m = /^\\(?:([nrt])|x([0-9A-F]{2})|u([0-9A-F]{4}))/.exec(shown.slice(i));
    assert.ok(m, `unexpected text at ${i} of ${JSON.stringify(shown)}`);
    out += m[1] ? ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[m[1]] : String.fromCharCode(parseInt(m[2] ?? m[3]!, 16));
    i += m[0].length;
    j++;
  }
  return out;
}

/** Hostile characters mixed with ordinary text: ANSI/OSC sequences, C1 CSI, bidi overrides, zero-width, surrogates. */
const hostile = fc.constantFrom('\x1b[2K', '\x1b]0;pwned\x07', '\r\n', '\x9b31m', '\u202e', '\u2066', '\u200b', '\ufeff', '\ud800', '\udc00', '\u2028', '\x00', '\x7f', '\t', '\\x1B');
const mixed = fc.array(fc.oneof(fc.string({ unit: 'binary' }), hostile, fc.string({ unit: 'grapheme' })), { maxLength: 8 }).map((parts) => parts.join(''));

describe('fuzz: displaySafe', () => {
  it('lets no unsafe character survive, and says so exactly when it changes the string', () => {
    fc.assert(fc.property(mixed, (s) => {
      const shown = displaySafe(s);
      assert.equal(holdsUnsafe(shown), false, JSON.stringify(shown));
      assert.equal(hasUnsafeDisplayCharacters(s), shown !== s);
      assert.equal(hasUnsafeDisplayCharacters(s), holdsUnsafe(s));
    }), { numRuns: RUNS.pure });
  });

  it('leaves printable text unchanged (any script, emoji, backslashes), and is idempotent', () => {
    const printable = fc.string({ unit: 'grapheme' }).filter((s) => !holdsUnsafe(s));
    fc.assert(fc.property(printable, (s) => {
      assert.equal(displaySafe(s), s);
    }), { numRuns: RUNS.pure });
    fc.assert(fc.property(mixed, (s) => {
      assert.equal(displaySafe(displaySafe(s)), displaySafe(s));
    }), { numRuns: RUNS.pure });
  });

  it('is reversible: the escapes name exactly the characters they replace', () => {
    fc.assert(fc.property(mixed, (s) => {
      assert.equal(unescape(displaySafe(s), s), s);
    }), { numRuns: RUNS.pure });
  });

  it('keeps an argv on one safe line, one word per argument', () => {
    fc.assert(fc.property(fc.array(mixed, { minLength: 1, maxLength: 5 }), (argv) => {
      const line = displayArgv(argv);
      assert.equal(holdsUnsafe(line), false);
      assert.equal(line.includes('\n'), false);
    }), { numRuns: RUNS.medium });
  });
});
