// Real action logs for view tests: the bundled example sessions run once through the real `airlock run`, in a temp state dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAirlock } from './cli.js';

export interface ExampleLogs { dir: string; logDir: string; keyDir: string; stateDir: string; byName(prefix: string): string }

let made: Promise<ExampleLogs> | undefined;

/** Runs examples/sessions once per test process; the caller never deletes the dir (it is shared), the OS temp dir does. */
export function exampleLogs(): Promise<ExampleLogs> {
  made ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-examples-'));
    const logDir = path.join(dir, 'logs');
    const stateDir = path.join(dir, 'state');
    const res = await runAirlock(['run', 'examples/sessions', '--log-dir', logDir], { env: { AIRLOCK_STATE_DIR: stateDir } });
    if (res.code !== 0) throw new Error(`airlock run examples/sessions failed (${res.code}): ${res.stderr}${res.stdout}`);
    const files = fs.readdirSync(logDir).filter((f) => f.endsWith('.jsonl'));
    return {
      dir, logDir, stateDir, keyDir: path.join(stateDir, 'keys'),
      byName(prefix: string) {
        const f = files.find((n) => n.startsWith(prefix));
        if (!f) throw new Error(`no example log starting with ${prefix} in ${logDir}: ${files.join(', ')}`);
        return path.join(logDir, f);
      },
    };
  })();
  return made;
}

/** The entries of a log file, parsed from its exact lines. */
export function entriesOf(file: string): { line: string; entry: Record<string, unknown> & { seq: number; kind: string } }[] {
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((line) => ({ line, entry: { ...JSON.parse(line.slice(65)), hash: line.slice(0, 64) } }));
}
