// Host-side capture of a script's console lines, capped in count, line length and total size so a flood cannot
// exhaust the host (the isolate caps too; this is the cap that counts).

import type { ConsoleLine } from './types.js';

export interface ConsoleCaps {
  maxLines: number;
  maxLineChars: number;
  maxTotalChars: number;
}

const LEVELS: ReadonlySet<string> = new Set(['log', 'warn', 'error']);

export class ConsoleCapture {
  readonly lines: ConsoleLine[] = [];
  private totalChars = 0;
  private truncated = false;
  private open = true;

  constructor(private readonly caps: ConsoleCaps) {}

  /** Records one line from the isolate; anything that is not a (level, string) pair is ignored. */
  add(level: unknown, text: unknown): void {
    if (!this.open || typeof level !== 'string' || !LEVELS.has(level) || typeof text !== 'string') return;
    if (this.truncated) return;
    const clipped = text.length > this.caps.maxLineChars ? `${text.slice(0, this.caps.maxLineChars)}... [truncated]` : text;
    if (this.lines.length >= this.caps.maxLines || this.totalChars + clipped.length > this.caps.maxTotalChars) {
      this.truncated = true;
      this.lines.push({ level: 'warn', text: `[airlock] console output truncated after ${this.lines.length} lines` });
      return;
    }
    this.totalChars += clipped.length;
    this.lines.push({ level: level as ConsoleLine['level'], text: clipped });
  }

  /** Stops recording: lines arriving after the script ended are dropped. */
  close(): ConsoleLine[] {
    this.open = false;
    return this.lines;
  }
}
