// Removes old action logs from a log folder (`airlock logs prune`): by count or by age, never a log a live writer holds.
import fs from 'node:fs';
import path from 'node:path';
import { headFileOf, lockFileOf } from './paths.js';

export interface PruneOptions {
  /** Keep the newest N logs (by modification time). */
  keep?: number;
  /** Remove logs last modified more than this many ms before `now`. */
  olderThanMs?: number;
  now?: number;
  /** Say what would be removed without removing it. */
  dryRun?: boolean;
}

export interface PruneResult {
  removed: string[];
  kept: string[];
  /** Logs that would be removed but a live process is still writing (their lock is held). */
  inUse: string[];
}

/** `30d`, `12h`, `90m`, `45s`, `2w` → milliseconds, or undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(w|d|h|m|s)$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'w' | 'd' | 'h' | 'm' | 's'];
  return Number(m[1]) * unit;
}

function lockHeld(log: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(lockFileOf(log), 'utf8').trim(), 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Prunes the `*.jsonl` logs of one folder (not its subfolders), with their `.head` and stale `.lock` files. */
export function pruneLogs(dir: string, opts: PruneOptions): PruneResult {
  const now = opts.now ?? Date.now();
  const logs = fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.jsonl'))
    .map((e) => {
      const file = path.join(dir, e.name);
      return { file, mtime: fs.statSync(file).mtimeMs };
    })
    .sort((a, b) => b.mtime - a.mtime || a.file.localeCompare(b.file));
  const result: PruneResult = { removed: [], kept: [], inUse: [] };
  logs.forEach((log, i) => {
    const tooMany = opts.keep !== undefined && i >= opts.keep;
    const tooOld = opts.olderThanMs !== undefined && now - log.mtime > opts.olderThanMs;
    if (!tooMany && !tooOld) {
      result.kept.push(log.file);
      return;
    }
    if (lockHeld(log.file)) {
      result.inUse.push(log.file);
      return;
    }
    if (!opts.dryRun) {
      for (const f of [log.file, headFileOf(log.file), lockFileOf(log.file)]) fs.rmSync(f, { force: true });
    }
    result.removed.push(log.file);
  });
  return result;
}
