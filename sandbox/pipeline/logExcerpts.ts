// What the log keeps of free text an agent controls (console output, thrown messages): a digest and a short excerpt.
import { digest } from '../log/digest.js';

/** Console lines kept as an excerpt, and characters kept of each; the rest is only in the digest. */
export const CONSOLE_EXCERPT_LINES = 5;
export const CONSOLE_EXCERPT_CHARS = 200;
/** Characters kept of an error message (a script may throw a file's contents). */
export const ERROR_MESSAGE_CHARS = 500;

/** The text cut to `max` characters (never inside a surrogate pair), saying how much was left out. */
export function bounded(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}… [${text.length - end} more characters]`;
}

export interface ConsoleRecord {
  lines: number;
  chars: number;
  /** SHA-256 of the whole output (JSON of the lines), so it can be matched afterwards without being kept. */
  digest: string;
  /** The first lines, each cut short; the log redacts them like every other string before writing. */
  excerpt: { level: string; text: string }[];
}

/** What the log records of a script's console output: counts, a digest of all of it, and a bounded excerpt. */
export function consoleRecord(lines: readonly { level: string; text: string }[]): ConsoleRecord {
  let chars = 0;
  for (const l of lines) chars += l.text.length;
  return {
    lines: lines.length,
    chars,
    digest: digest(JSON.stringify(lines)),
    excerpt: lines.slice(0, CONSOLE_EXCERPT_LINES).map((l) => ({ level: l.level, text: bounded(l.text, CONSOLE_EXCERPT_CHARS) })),
  };
}

/** An error as the log records it: its code, and its message cut short. */
export function boundedError(error: { code: string; message: string }): { code: string; message: string } {
  return error.message.length <= ERROR_MESSAGE_CHARS ? error : { code: error.code, message: bounded(error.message, ERROR_MESSAGE_CHARS) };
}
