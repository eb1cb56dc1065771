// A search or recursive read of a folder reads every file beneath it: the files the policy denies reading (secrets,
// Airlock's own files) are added to the call as reads of their own, so the call is denied by name instead of judged by
// its folder alone (`grep -r KEY .` would otherwise hand `.env` to the model).
import fs from 'node:fs';
import path from 'node:path';
import micromatch from 'micromatch';
import type { CompiledPolicy } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import type { Mapped } from './mapping.js';

/** Beyond this many entries under one folder, Airlock cannot say what lies beneath: the call is asked. */
export const MAX_TREE_ENTRIES = 50_000;
/** Denied files named per folder (one is enough to deny; a few tell the agent what to exclude). */
const MAX_NAMED = 5;

/** Adds a read of every denied file beneath each folder the call reads whole; a folder too large to walk is unresolved. */
export function expandTrees(mapped: Mapped, policy: CompiledPolicy): Mapped {
  const trees = mapped.items.filter((i) => i.tree && i.action.kind === 'fs.read');
  if (trees.length === 0) return mapped;
  const seen = new Set<string>();
  for (const item of trees) {
    const root = (item.action as { path: string }).path;
    if (seen.has(root)) continue;
    seen.add(root);
    const denied = deniedBeneath(root, item.tree?.glob, policy);
    if (denied === 'too-large') {
      mapped.unresolved.push(`${JSON.stringify(root)} holds more than ${MAX_TREE_ENTRIES.toLocaleString('en')} entries, too many to check what a search of it reads; search a narrower folder`);
      continue;
    }
    for (const file of denied) mapped.items.push({ action: { kind: 'fs.read', path: file }, exact: true, beneath: root });
  }
  return mapped;
}

/**
 * The files beneath `root` (only those `glob` keeps, matched as ripgrep's --glob: the path from the root, or the name
 * when the pattern has no `/`) whose read the policy denies with no task (built-in protections, baseline, workspace).
 * Symlinks are judged where they lead; folders they lead to are not walked (neither grep -r nor rg follows them).
 */
export function deniedBeneath(root: string, glob: string | undefined, policy: CompiledPolicy): string[] | 'too-large' {
  const denied: string[] = [];
  const keep = glob === undefined ? () => true
    : (rel: string) => micromatch.isMatch(rel, glob, { dot: true, basename: !glob.replace(/^!/, '').includes('/') });
  const deniesRead = (p: string) => decide(policy, null, [], { kind: 'fs.read', path: p }).verdict === 'deny';
  const stack = [root];
  let entries = 0;
  while (stack.length > 0 && denied.length < MAX_NAMED) {
    const dir = stack.pop()!;
    let list: fs.Dirent[];
    try {
      list = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable to this user: unreadable to the agent's tool too
    }
    for (const e of list) {
      if (++entries > MAX_TREE_ENTRIES) return 'too-large';
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        // A folder denied whole (say `.ssh/`) is named itself; otherwise (or under a file filter) its files are looked at.
        if (glob === undefined && deniesRead(p)) denied.push(p);
        else stack.push(p);
        continue;
      }
      if (!keep(path.relative(root, p))) continue;
      if (deniesRead(p)) denied.push(p);
      else if (e.isSymbolicLink()) {
        try {
          const real = fs.realpathSync(p);
          if (deniesRead(real)) denied.push(p);
        } catch {
          // a dangling link reads nothing
        }
      }
      if (denied.length >= MAX_NAMED) break;
    }
  }
  return denied;
}
