// Where a path really leads: resolves symlinks component by component, as the kernel would, tolerating missing tails.
import fs from 'node:fs';
import path from 'node:path';
import { errnoCode, guardError } from './types.js';

/** The kernel's own limit on symlinks followed while resolving one path (Linux MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

function components(p: string): string[] {
  return p.split(/[\\/]+/).filter((c) => c !== '' && c !== '.');
}

/**
 * The real absolute path `start` (absolute, not yet normalised) leads to. Unlike `path.resolve`, a `..` after a symlink
 * climbs from the link's target, as the kernel does; unlike `fs.realpath`, a missing tail (or a dangling link's
 * target) is kept lexically, so a path about to be created resolves to where it would be created.
 * With `followFinal` false the last component is not followed when it is a symlink (what unlink and lstat see).
 */
export async function resolveReal(start: string, followFinal: boolean): Promise<string> {
  // lstat and readlink are synchronous on purpose: one path costs a handful of µs that way, where a thread-pool hop per
  // component would cost tens of µs each, and every file action resolves its path.
  if (!path.isAbsolute(start)) throw new Error(`resolveReal needs an absolute path, got ${start}`);
  const rootOf = path.parse(start).root;
  let current = rootOf;
  let pending = components(start.slice(rootOf.length));
  let links = 0;
  let missing = false;
  while (pending.length > 0) {
    const name = pending.shift() as string;
    if (name === '..') {
      current = path.dirname(current);
      continue;
    }
    const next = path.join(current, name);
    if (missing) {
      current = next;
      continue;
    }
    let isLink: boolean;
    try {
      isLink = fs.lstatSync(next).isSymbolicLink();
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') {
        missing = true;
        current = next;
        continue;
      }
      if (code === 'ENOTDIR') {
        throw guardError('fs.not-a-directory', `${current} is not a directory, so ${start} cannot exist.`);
      }
      throw err;
    }
    if (isLink && (followFinal || pending.length > 0)) {
      if (++links > MAX_SYMLINKS) {
        throw guardError('fs.invalid', `Too many symbolic links (more than ${MAX_SYMLINKS}) while resolving ${start}: a symlink loop?`);
      }
      const target = fs.readlinkSync(next);
      if (path.isAbsolute(target)) {
        current = path.parse(target).root;
      }
      pending = [...components(target), ...pending];
      continue;
    }
    current = next;
  }
  return current;
}
