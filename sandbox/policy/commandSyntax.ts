// One command syntax everywhere: an argv array in JSON files, argv words on the command line; ambiguity refused with the fix.
// Pure: used by policy `tests`, session approvals and `airlock policy explain exec`.

export type ArgvParse = { ok: true; argv: string[] } | { ok: false; message: string };

const asJson = (argv: readonly string[]) => `[${argv.map((a) => JSON.stringify(a)).join(', ')}]`;

/** A string holding a JSON array of strings (the older `"[\"npm\",\"test\"]"` form), or undefined. */
function jsonArrayIn(text: string): string[] | undefined {
  if (!text.trim().startsWith('[')) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) && v.every((a) => typeof a === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A command written in a JSON file: an array of strings (`["npm", "test"]`). A single word (`"ls"`) is that one-word
 * command, and a string holding a JSON array is read as that array; a string with spaces is refused, since it could be
 * one argument or several.
 */
export function argvFromJson(value: unknown, what = 'a command'): ArgvParse {
  if (Array.isArray(value)) {
    if (value.length === 0) return { ok: false, message: `${what} names at least the program, e.g. ["npm", "test"]` };
    if (!value.every((a) => typeof a === 'string')) return { ok: false, message: `${what} is an array of strings, e.g. ["npm", "test"]` };
    return { ok: true, argv: value as string[] };
  }
  if (typeof value !== 'string' || value.trim() === '') return { ok: false, message: `${what} is an argv array, e.g. ["npm", "test"]` };
  const embedded = jsonArrayIn(value);
  if (embedded) return argvFromJson(embedded, what);
  if (/\s/.test(value)) {
    return { ok: false, message: `${what} ${JSON.stringify(value)} is ambiguous (one argument with spaces, or several?); write it as an array: ${asJson(value.trim().split(/\s+/))}` };
  }
  return { ok: true, argv: [value] };
}

/**
 * A command given on the command line as words (`airlock policy explain exec npm test`). One word that is a JSON array
 * or holds spaces is refused: the shell already split the words, so either form is a quoting slip.
 */
export function argvFromWords(words: readonly string[], usage: string): ArgvParse {
  if (words.length === 0) return { ok: false, message: `name the command as words: ${usage} npm test` };
  if (words.length === 1) {
    const only = words[0] ?? '';
    const embedded = jsonArrayIn(only);
    if (embedded) {
      return { ok: false, message: `the command is given as words on the command line, not as JSON: ${usage} ${embedded.map(shellWord).join(' ')}` };
    }
    if (/\s/.test(only.trim())) {
      return { ok: false, message: `${JSON.stringify(only)} is one argument with spaces; if it is the command and its arguments, leave the quotes off: ${usage} ${only.trim()}` };
    }
  }
  return { ok: true, argv: [...words] };
}

/** A word quoted for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./~-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
