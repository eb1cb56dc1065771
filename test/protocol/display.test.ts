// displaySafe: no control, C1, bidi or invisible character survives; printable text is unchanged.
import assert from 'node:assert/strict';
import { displayArgv, displaySafe, hasUnsafeDisplayCharacters } from '../../sandbox/protocol/display.js';

describe('displaySafe', () => {
  it('escapes a forged log line (CR, LF, ANSI erase) and an OSC title visibly', () => {
    assert.equal(displaySafe('src/a.ts\r\n\x1b[2K2026 allow fs.write'), 'src/a.ts\\r\\n\\x1B[2K2026 allow fs.write');
    assert.equal(displaySafe('\x1b]0;pwned\x07'), '\\x1B]0;pwned\\x07');
  });
  it('escapes C1 controls, bidi overrides and isolates, zero-width characters and lone surrogates', () => {
    assert.equal(displaySafe('a\u009bb'), 'a\\x9Bb');
    assert.equal(displaySafe('evil\u202Etxt.exe'), 'evil\\u202Etxt.exe');
    assert.equal(displaySafe('\u2066x\u2069\u200B\uFEFF'), '\\u2066x\\u2069\\u200B\\uFEFF');
    assert.equal(displaySafe('\uD800x'), '\\uD800x');
  });
  it('leaves printable text unchanged, non-Latin scripts, emoji and backslashes included', () => {
    for (const s of ['src/ünïcode/日本語.ts', 'C:\\x\\y', '😀 ok', 'a b\tc'.replace('\t', ' ')]) assert.equal(displaySafe(s), s);
    assert.equal(hasUnsafeDisplayCharacters('plain'), false);
    assert.equal(hasUnsafeDisplayCharacters('x\n'), true);
  });
  it('quotes argv words as a shell would read them back', () => {
    assert.equal(displayArgv(['git', 'commit', '-m', "it's\ndone", '']), `git commit -m 'it'\\''s\\ndone' ''`);
  });
});
