// Display-safe strings: the one function every human-facing rendering of an agent-chosen string goes through.
// Pure (no I/O), in sandbox/protocol so the extension (src/) can use the very same function as the CLI.

/**
 * Characters that must never reach a terminal or a UI as themselves: C0 controls (newlines and tabs included, so one
 * field stays one line), DEL, C1 controls, bidi embeddings/overrides/isolates and marks, zero-width characters that hide
 * text, line/paragraph separators, the BOM, and lone surrogates.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The string as a person may safely see it: every unsafe character is replaced by a visible escape (`\n`, `\x1B`,
 * `\u202E`); printable text, backslashes included, is unchanged. Use it for every agent-chosen string (paths, URLs,
 * argv, messages, console output) before a terminal or a UI shows it. JSON output does not use it: it stays exact.
 */
export function displaySafe(value: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(value) ? value.replace(UNSAFE, escapeOne) : value;
}

/** True when displaySafe would change the string (it holds a character a person must not see raw). */
export function hasUnsafeDisplayCharacters(value: string): boolean {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(value);
}

/** An argv as one display-safe line, quoted as a POSIX shell would read it back (single quotes where needed). */
export function displayArgv(argv: readonly string[]): string {
  return argv.map((word) => {
    const safe = displaySafe(word);
    return /^[\w@%+=:,./~-]+$/.test(safe) ? safe : `'${safe.replace(/'/g, `'\\''`)}'`;
  }).join(' ');
}
