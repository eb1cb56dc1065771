// The file guard: reads, writes, lists, stats, deletes and creates directories, judging every real target it reaches.
import { constants as C, promises as fsp, realpathSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { FsActionKind } from '../policy/types.js';
import { AirlockError } from '../errors.js';
import { resolveReal } from './fs-resolve.js';
import { errnoCode, guardError, type Authorize } from './types.js';

export type FsEntryType = 'file' | 'dir' | 'symlink' | 'other';
export type FsEncoding = 'utf8' | 'base64';

export interface FsGuardOptions {
  /** Absolute real path of the workspace root. */
  root: string;
  /** Largest file a read or a write may handle. */
  maxFileBytes: number;
  authorize: Authorize;
}

/** A path as the guard will act on it. */
interface Target {
  /** Absolute real path: no symlinks left (except the final component when it was deliberately not followed). */
  realPath: string;
  /** The same path as shown in messages: workspace-relative when inside, absolute otherwise. */
  shown: string;
}

// O_NONBLOCK: opening a FIFO or a device must never hang the harness; regular files ignore it.
const READ_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;
const CREATE_FLAGS = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW | C.O_NONBLOCK;
const OVERWRITE_FLAGS = C.O_WRONLY | C.O_NOFOLLOW | C.O_NONBLOCK;

function typeOf(st: Stats): FsEntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

export class FsGuard {
  private readonly root: string;
  private readonly maxFileBytes: number;
  private readonly authorize: Authorize;

  constructor(opts: FsGuardOptions) {
    if (!path.isAbsolute(opts.root)) throw new Error(`FsGuard root must be absolute, got ${opts.root}`);
    // A root given through a symlink would make every path look redirected: compare against the real root.
    this.root = realpathOr(path.resolve(opts.root));
    this.maxFileBytes = opts.maxFileBytes;
    this.authorize = opts.authorize;
  }

  async readFile(p: string, encoding: FsEncoding = 'utf8'): Promise<{ data: string; bytes: number; realPath: string }> {
    const t = await this.target('fs.read', p, true);
    const fh = await this.open(t, READ_FLAGS);
    try {
      const st = await this.verifyOpened(fh, t);
      if (st.isDirectory()) throw guardError('fs.is-a-directory', `${t.shown} is a directory: list it instead of reading it.`);
      if (!st.isFile()) throw guardError('fs.invalid', `${t.shown} is not a regular file (a device, socket or pipe), so it is not read.`);
      this.checkSize(t, st.size, 'read');
      // The file may grow after fstat: read at most one byte past the cap, and refuse if that byte exists.
      const buf = Buffer.alloc(Math.min(st.size, this.maxFileBytes) + 1);
      let got = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
        if (bytesRead === 0) break;
        got += bytesRead;
        if (got === buf.length) break;
      }
      this.checkSize(t, got, 'read');
      const data = buf.subarray(0, got);
      return { data: data.toString(encoding), bytes: got, realPath: t.realPath };
    } finally {
      await fh.close();
    }
  }

  async writeFile(p: string, data: string, encoding: FsEncoding = 'utf8'): Promise<{ bytes: number; realPath: string; created: boolean }> {
    if (typeof data !== 'string') throw guardError('fs.invalid', 'The content to write must be a string.');
    const buf = Buffer.from(data, encoding);
    const t = await this.target('fs.write', p, true);
    this.checkSize(t, buf.length, 'write');
    await this.ensureParent(t);
    let fh: FileHandle;
    let created: boolean;
    try {
      // O_EXCL|O_CREAT never follows a symlink: the file is created exactly at the decided path, or it existed.
      fh = await fsp.open(t.realPath, CREATE_FLAGS, 0o666);
      created = true;
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw this.fsFailure(err, t);
      fh = await this.open(t, OVERWRITE_FLAGS);
      created = false;
    }
    try {
      let st: Stats;
      try {
        st = await this.verifyOpened(fh, t);
      } catch (err) {
        if (created) await this.undoCreate(fh, t);
        throw err;
      }
      if (!st.isFile()) throw guardError('fs.invalid', `${t.shown} is not a regular file, so it is not written.`);
      // Truncate only after the identity check: a swapped file is never damaged.
      await fh.truncate(0);
      let written = 0;
      while (written < buf.length) {
        const { bytesWritten } = await fh.write(buf, written, buf.length - written, written);
        written += bytesWritten;
      }
      return { bytes: buf.length, realPath: t.realPath, created };
    } finally {
      await fh.close();
    }
  }

  async list(p: string): Promise<{ entries: { name: string; type: FsEntryType }[]; realPath: string }> {
    const t = await this.target('fs.list', p, true);
    const before = await this.lstat(t);
    if (!before.isDirectory()) throw guardError('fs.not-a-directory', `${t.shown} is not a directory, so it cannot be listed.`);
    let dirents;
    try {
      dirents = await fsp.readdir(t.realPath, { withFileTypes: true });
    } catch (err) {
      throw this.fsFailure(err, t);
    }
    await this.verifyUnchanged(t, before);
    const entries = dirents
      .map((d) => ({
        name: d.name,
        type: (d.isFile() ? 'file' : d.isDirectory() ? 'dir' : d.isSymbolicLink() ? 'symlink' : 'other') as FsEntryType,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { entries, realPath: t.realPath };
  }

  async stat(p: string): Promise<{ type: FsEntryType; size: number; mtimeMs: number; realPath: string }> {
    const t = await this.target('fs.stat', p, true);
    const st = await this.lstat(t);
    return { type: typeOf(st), size: st.size, mtimeMs: st.mtimeMs, realPath: t.realPath };
  }

  async mkdir(p: string): Promise<{ realPath: string; created: boolean }> {
    const t = await this.target('fs.mkdir', p, true);
    const existing = await this.lstatOrNull(t);
    if (existing) {
      if (existing.isDirectory()) return { realPath: t.realPath, created: false };
      throw guardError('fs.exists', `${t.shown} already exists and is not a directory.`);
    }
    try {
      await fsp.mkdir(t.realPath, { recursive: true });
    } catch (err) {
      throw this.fsFailure(err, t);
    }
    const st = await this.lstat(t);
    await this.verifyUnchanged(t, st);
    if (!st.isDirectory()) throw guardError('fs.changed', `${t.shown} changed while it was being created; nothing more was done.`);
    return { realPath: t.realPath, created: true };
  }

  async delete(p: string, opts: { recursive?: boolean } = {}): Promise<{ removed: number; realPath: string }> {
    // The final component is not followed: deleting a symlink removes the link, never its target.
    const t = await this.target('fs.delete', p, false);
    if (t.realPath === this.root) {
      throw guardError('fs.invalid', 'The workspace root itself cannot be deleted; delete the entries inside it instead.');
    }
    const top = await this.lstat(t);
    if (!top.isDirectory()) {
      await this.verifyUnchanged(t, top);
      await this.removeEntry({ path: t.realPath, dev: top.dev, ino: top.ino, isDir: false }, t);
      return { removed: 1, realPath: t.realPath };
    }
    if (!opts.recursive) {
      const children = await fsp.readdir(t.realPath).catch((err: unknown) => { throw this.fsFailure(err, t); });
      if (children.length > 0) {
        throw guardError('fs.not-empty', `${t.shown} is a directory with ${children.length} entries: delete it recursively or empty it first.`);
      }
      await this.verifyUnchanged(t, top);
      await this.removeEntry({ path: t.realPath, dev: top.dev, ino: top.ino, isDir: true }, t);
      return { removed: 1, realPath: t.realPath };
    }
    const entries = await this.walk(t.realPath, top).catch((err: unknown) => { throw this.fsFailure(err, t); });
    // Every entry below the decided directory is decided on its own before anything is removed.
    for (const entry of entries.slice(1)) {
      try {
        await this.authorize({ kind: 'fs.delete', path: entry.path });
      } catch (err) {
        const code = err instanceof AirlockError ? err.code : 'denied';
        const why = err instanceof Error ? err.message : String(err);
        throw guardError(code, `Recursive delete of ${t.shown} refused: ${this.show(entry.path)} may not be deleted (${why}). Nothing was deleted.`);
      }
    }
    await this.verifyUnchanged(t, top);
    let removed = 0;
    for (const entry of entries.reverse()) {
      try {
        await this.removeEntry(entry, t);
      } catch (err) {
        if (err instanceof AirlockError && removed > 0) {
          throw guardError(err.code, `${err.message} ${removed} entries had already been removed.`);
        }
        throw err;
      }
      removed++;
    }
    return { removed, realPath: t.realPath };
  }

  // ---- resolution and decision ----

  /** Resolves `p` to its real target and, when that differs from the path as decided, decides the real target again. */
  private async target(kind: FsActionKind, p: string, followFinal: boolean): Promise<Target> {
    if (typeof p !== 'string' || p === '') throw guardError('fs.invalid', 'The path is empty: give a path relative to the workspace or an absolute path.');
    if (p.includes('\0')) throw guardError('fs.invalid', `The path ${JSON.stringify(p)} contains a NUL character, which no file name may contain.`);
    const joined = path.isAbsolute(p) ? p : `${this.root}${path.sep}${p}`;
    // What the pipeline decided on: the path normalised lexically (`..` removed without looking at the disk).
    const lexical = path.resolve(joined);
    const realPath = await resolveReal(joined, followFinal);
    if (realPath !== lexical) await this.authorize({ kind, path: realPath });
    return { realPath, shown: this.show(realPath) };
  }

  /** Workspace-relative when inside the root, absolute otherwise. */
  private show(abs: string): string {
    const rel = path.relative(this.root, abs);
    if (rel === '') return '. (the workspace root)';
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return abs;
    return rel;
  }

  private checkSize(t: Target, size: number, what: 'read' | 'write'): void {
    if (size > this.maxFileBytes) {
      const amount = what === 'read' && size === this.maxFileBytes + 1 ? `more than ${this.maxFileBytes}` : String(size);
      throw guardError('fs.too-large', `${t.shown} is too large to ${what}: ${amount} bytes, the limit is ${this.maxFileBytes} bytes (limits.maxFileBytes).`);
    }
  }

  /**
   * The real path of a path must not change between the decision and the use (a directory swapped for a symlink, a file
   * swapped for another): after opening, the path resolves to the same place and names the very file that was opened.
   */
  private async verifyOpened(fh: FileHandle, t: Target): Promise<Stats> {
    const st = await fh.stat();
    await this.verifyUnchanged(t, st);
    return st;
  }

  private async verifyUnchanged(t: Target, st: Stats): Promise<void> {
    const again = await resolveReal(t.realPath, false).catch(() => null);
    const now = await fsp.lstat(t.realPath).catch(() => null);
    if (again !== t.realPath || !now || now.dev !== st.dev || now.ino !== st.ino) {
      throw guardError('fs.changed', `${t.shown} changed between the decision and its use (it was replaced or a symlink appeared), so it was refused; try again.`);
    }
  }

  /**
   * A file was created but the path changed under it (a parent swapped for a symlink): remove the empty file again,
   * but only if the path still names the very file that was created.
   */
  private async undoCreate(fh: FileHandle, t: Target): Promise<void> {
    const mine = await fh.stat();
    const there = await fsp.lstat(t.realPath).catch(() => null);
    if (there && there.dev === mine.dev && there.ino === mine.ino && mine.size === 0) {
      await fsp.unlink(t.realPath).catch(() => {});
    }
  }

  private async open(t: Target, flags: number): Promise<FileHandle> {
    try {
      return await fsp.open(t.realPath, flags);
    } catch (err) {
      throw this.fsFailure(err, t);
    }
  }

  private async lstat(t: Target): Promise<Stats> {
    try {
      return await fsp.lstat(t.realPath);
    } catch (err) {
      throw this.fsFailure(err, t);
    }
  }

  private async lstatOrNull(t: Target): Promise<Stats | null> {
    try {
      return await fsp.lstat(t.realPath);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw this.fsFailure(err, t);
    }
  }

  /** Creates the missing parent directories of a file about to be written, then checks its path still resolves the same. */
  private async ensureParent(t: Target): Promise<void> {
    const parent = path.dirname(t.realPath);
    const st = await fsp.lstat(parent).catch(() => null);
    if (st?.isDirectory()) return;
    if (st?.isSymbolicLink()) {
      throw guardError('fs.changed', `${this.show(parent)} became a symbolic link between the decision and its use, so ${t.shown} was not written; try again.`);
    }
    if (st) throw guardError('fs.not-a-directory', `${this.show(parent)} is not a directory, so ${t.shown} cannot be written.`);
    try {
      await fsp.mkdir(parent, { recursive: true });
    } catch (err) {
      throw this.fsFailure(err, { realPath: parent, shown: this.show(parent) });
    }
    if ((await resolveReal(t.realPath, true)) !== t.realPath) {
      throw guardError('fs.changed', `${t.shown} changed between the decision and its use, so it was refused; try again.`);
    }
  }

  /** Every entry of a tree, parents before children, by lstat only: symlinks are entries, never followed. */
  private async walk(top: string, topStat: Stats): Promise<WalkEntry[]> {
    const out: WalkEntry[] = [{ path: top, dev: topStat.dev, ino: topStat.ino, isDir: true }];
    for (let i = 0; i < out.length; i++) {
      const entry = out[i] as WalkEntry;
      if (!entry.isDir) continue;
      const names = await fsp.readdir(entry.path);
      names.sort();
      for (const name of names) {
        const child = path.join(entry.path, name);
        const st = await fsp.lstat(child);
        out.push({ path: child, dev: st.dev, ino: st.ino, isDir: st.isDirectory() });
      }
    }
    // Breadth-first order lists parents before children; reversing it removes children first.
    return out;
  }

  /** Removes one walked entry if it is still the very entry that was walked and decided. */
  private async removeEntry(entry: WalkEntry, t: Target): Promise<void> {
    const now = await fsp.lstat(entry.path).catch(() => null);
    if (!now || now.dev !== entry.dev || now.ino !== entry.ino || now.isDirectory() !== entry.isDir) {
      throw guardError('fs.changed', `${this.show(entry.path)} changed while ${t.shown} was being deleted, so the delete stopped.`);
    }
    try {
      if (entry.isDir) await fsp.rmdir(entry.path);
      else await fsp.unlink(entry.path);
    } catch (err) {
      if (errnoCode(err) === 'ENOTEMPTY' || errnoCode(err) === 'EEXIST') {
        throw guardError('fs.changed', `New entries appeared in ${this.show(entry.path)} while ${t.shown} was being deleted, so the delete stopped.`);
      }
      throw this.fsFailure(err, { realPath: entry.path, shown: this.show(entry.path) });
    }
  }

  /** A system error as a guard error naming the path. */
  private fsFailure(err: unknown, t: Target): AirlockError {
    if (err instanceof AirlockError) return err;
    const code = errnoCode(err);
    switch (code) {
      case 'ENOENT': return guardError('fs.not-found', `${t.shown} does not exist.`);
      case 'ENOTDIR': return guardError('fs.not-a-directory', `A parent of ${t.shown} is not a directory.`);
      case 'EEXIST': return guardError('fs.exists', `${t.shown} already exists.`);
      case 'EISDIR': return guardError('fs.is-a-directory', `${t.shown} is a directory.`);
      case 'ELOOP': return guardError('fs.changed', `${t.shown} became a symbolic link between the decision and its use, so it was refused; try again.`);
      case 'EACCES':
      case 'EPERM': return guardError('fs.permission', `The operating system refused access to ${t.shown} (${code}).`);
      case 'ENXIO': return guardError('fs.invalid', `${t.shown} is not a regular file (a pipe or device without a peer).`);
      default: return guardError('fs.io', `${t.shown}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

function realpathOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

interface WalkEntry { path: string; dev: number; ino: number; isDir: boolean }
