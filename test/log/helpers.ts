// Shared test helpers for the action log: temp dirs, small logs, and an attacker's rewrite (edit an entry, re-hash the chain).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionLog } from '../../sandbox/log/writer.js';
import { canonicalJson } from '../../sandbox/log/canonical.js';
import { entryHash } from '../../sandbox/log/format.js';
import { headFileOf } from '../../sandbox/log/paths.js';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-'));
}

/** A small closed log: session.start, a task with decisions and outcomes, checkpoints every `every` entries, session.end. */
export function writeSmallLog(dir: string, opts: { entries?: number; every?: number; name?: string } = {}): { file: string; keyDir: string } {
  const file = path.join(dir, opts.name ?? 'small.jsonl');
  const keyDir = path.join(dir, 'keys');
  const log = ActionLog.open({ file, session: 'sess-1', policyHash: 'a'.repeat(64), keyDir, checkpointEvery: opts.every ?? 4 });
  log.append({ kind: 'task.start', task: 't1', data: { intent: 'edit' } });
  const n = opts.entries ?? 6;
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) log.append({ kind: 'decision', task: 't1', action: 'fs.write', target: `src/f${i}.ts`, verdict: 'allow', decidedBy: 'policy', rule: { layer: 'workspace', jsonPath: 'fs.write.allow[0]' } });
    else log.append({ kind: 'outcome', task: 't1', action: 'fs.write', target: `src/f${i - 1}.ts`, outcome: 'done', ref: i, durationMs: 2 });
  }
  log.append({ kind: 'task.end', task: 't1' });
  log.close();
  return { file, keyDir };
}

/** Copies a log and its head file to a new name, applying `mutate` to the log's bytes. */
export function mutatedCopy(file: string, name: string, mutate: (bytes: Buffer) => Buffer): string {
  const copy = path.join(path.dirname(file), `${name.replace(/[^A-Za-z0-9@-]/g, '_')}.jsonl`);
  fs.writeFileSync(copy, mutate(fs.readFileSync(file)));
  if (fs.existsSync(headFileOf(file))) fs.copyFileSync(headFileOf(file), headFileOf(copy));
  return copy;
}

export function linesOf(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  return text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
}

export function joinLines(lines: string[]): Buffer {
  return Buffer.from(lines.map((l) => `${l}\n`).join(''));
}

/**
 * What an attacker who can write the log (but has no signing key) can do: edit entry objects, then recompute every
 * hash and prev from the first edited line on, so the chain itself is consistent again.
 */
export function rewriteAndRehash(bytes: Buffer, edit: (entries: Record<string, unknown>[]) => void): Buffer {
  const entries = linesOf(bytes).map((l) => JSON.parse(l.slice(65)) as Record<string, unknown>);
  edit(entries);
  let prev = entries[0]?.['prev'] as string;
  const out: string[] = [];
  entries.forEach((e, i) => {
    e['seq'] = i + 1;
    e['prev'] = prev;
    const json = canonicalJson(e);
    const hash = entryHash(prev, json);
    out.push(`${hash} ${json}`);
    prev = hash;
  });
  return joinLines(out);
}
