// Walks the workspace once per confined command and asks the policy about each entry: the input of the mount plan.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { guardError } from '../guards/types.js';
import type { PlanEntry } from './plan.js';

/** What the policy says about one absolute path (built-ins, baseline, workspace, task scope and grants together). */
export interface Judge {
  read(abs: string): boolean;
  write(abs: string): boolean;
}

/** Entries a walk visits at most; a larger workspace is refused rather than half-planned (fail closed). */
export const MAX_WALK_ENTRIES = 200_000;

/** A name no rule is written for: whether a new file may be created in a directory is decided on it. */
const PROBE = 'airlock-new-entry';

/**
 * The workspace's entries, parents before children, each with its read and write verdicts. A directory the agent may not
 * read is not entered (it is hidden as a whole); a directory is writable when a new entry inside it may be written.
 */
export async function walkWorkspace(root: string, judge: Judge, max = MAX_WALK_ENTRIES): Promise<{ entries: PlanEntry[]; rootWrite: boolean }> {
  const entries: PlanEntry[] = [];
  const rootWrite = judge.write(path.join(root, PROBE));
  let queue: string[] = [root];
  while (queue.length > 0) {
    const next: string[] = [];
    for (const dir of queue) {
      let names: import('node:fs').Dirent[];
      try {
        names = await fsp.readdir(dir, { withFileTypes: true });
      } catch {
        continue; // vanished or unreadable: nothing inside it is bound specially
      }
      for (const d of names) {
        if (entries.length >= max) {
          throw guardError('exec.confine', `The workspace has more than ${max} entries; Airlock cannot plan a confinement for it. Move large generated folders out of the workspace.`);
        }
        const abs = path.join(dir, d.name);
        const type = d.isDirectory() ? 'dir' : d.isFile() ? 'file' : d.isSymbolicLink() ? 'symlink' : 'other';
        const read = judge.read(abs);
        const write = type === 'dir' ? judge.write(abs) && judge.write(path.join(abs, PROBE)) : judge.write(abs);
        entries.push({ abs, type, read, write });
        if (type === 'dir' && read) next.push(abs);
      }
    }
    queue = next;
  }
  // Breadth-first gives parents before children, which the plan needs.
  return { entries, rootWrite };
}
