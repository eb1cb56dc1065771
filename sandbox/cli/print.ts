// What the CLI prints for people goes through displaySafe; JSON output is written exact. One place for both.
import { displaySafe } from '../protocol/display.js';

/**
 * One line for a person on stdout, escaped whole: a newline inside it is shown as `\n`, so text an agent chose can
 * never start a line of its own. Text of several lines is printed line by line by its caller.
 */
export const out = (line: string): void => { process.stdout.write(`${displaySafe(line)}\n`); };
/** One line for a person on stderr, escaped whole. */
export const err = (line: string): void => { process.stderr.write(`${displaySafe(line)}\n`); };
/** A line of JSON on stdout, exact: JSON.stringify already escapes every control character. */
export const outJson = (json: string): void => { process.stdout.write(`${json}\n`); };
