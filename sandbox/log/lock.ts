// One writer per log file: an O_EXCL lock file holding the writer's pid; a lock left by a dead process is taken over.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { AirlockError } from '../errors.js';
import { lockFileOf } from './paths.js';

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface LogLock {
  readonly file: string;
  release(): void;
}

export function acquireLock(logFile: string): LogLock {
  const file = lockFileOf(logFile);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
          } catch {
            // Already gone: nothing to release.
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    } catch {
      continue; // the holder just released it: try again
    }
    if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) {
      throw new AirlockError({
        code: 'log.locked',
        message: `The log ${logFile} is being written by process ${holder}; each session writes its own log file, so open another one.`,
        place: { file: logFile },
      });
    }
    // Stale (dead pid or garbage). Move it aside atomically so that of two takers only one removes it.
    const aside = `${file}.stale-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    try {
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
    } catch {
      // Someone else took it over first; the next attempt sees their lock.
    }
  }
  throw new AirlockError({ code: 'log.locked', message: `Could not take the lock of ${logFile}; another writer keeps taking it.`, place: { file: logFile } });
}
