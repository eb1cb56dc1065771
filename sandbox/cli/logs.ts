// `airlock logs prune` and `airlock keys export`: housekeeping of the action logs and sharing the key that signs them.
import fs from 'node:fs';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { keyIdOf } from '../log/keys.js';
import { defaultKeyDir, defaultLogDir } from '../log/paths.js';
import { parseDuration, pruneLogs } from '../log/prune.js';
import { defaultRunLogDir } from '../session/runner.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

export interface PruneCommandOptions { keep?: string; olderThan?: string; dryRun?: boolean; workspace?: string }

/** The folders pruned by default: the harness's log folder of this workspace and `airlock run`'s, those that exist. */
export function defaultPruneDirs(workspace: string): string[] {
  return [defaultLogDir(workspace), defaultRunLogDir(workspace)].filter((d) => fs.existsSync(d));
}

/** 0 done, 2 bad input (no rule, a bad count or duration, a folder that does not exist). */
export function pruneCommand(dirs: string[], opts: PruneCommandOptions): number {
  if (opts.keep === undefined && opts.olderThan === undefined) {
    err('airlock logs prune: say what to keep: --keep N (the newest N logs) and/or --older-than D (e.g. 30d, 12h)');
    return 2;
  }
  let keep: number | undefined;
  if (opts.keep !== undefined) {
    if (!/^\d+$/.test(opts.keep)) { err(`--keep: expected a number of logs, e.g. --keep 20, not ${JSON.stringify(opts.keep)}`); return 2; }
    keep = Number(opts.keep);
  }
  const olderThanMs = opts.olderThan !== undefined ? parseDuration(opts.olderThan) : undefined;
  if (opts.olderThan !== undefined && olderThanMs === undefined) {
    err(`--older-than: expected a duration such as 30d, 12h, 90m or 2w, not ${JSON.stringify(opts.olderThan)}`);
    return 2;
  }
  const workspace = path.resolve(opts.workspace ?? process.cwd());
  const targets = dirs.length > 0 ? dirs.map((d) => path.resolve(d)) : defaultPruneDirs(workspace);
  if (targets.length === 0) {
    out(`no log folders for ${workspace}: neither ${defaultLogDir(workspace)} nor ${defaultRunLogDir(workspace)} exists`);
    return 0;
  }
  for (const dir of targets) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) { err(`${dir}: no such log folder`); return 2; }
  }
  for (const dir of targets) {
    const r = pruneLogs(dir, { ...(keep !== undefined ? { keep } : {}), ...(olderThanMs !== undefined ? { olderThanMs } : {}), dryRun: opts.dryRun === true });
    for (const f of r.removed) out(`${opts.dryRun ? 'would remove' : 'removed'} ${f}`);
    for (const f of r.inUse) err(`kept ${f}: a running process is still writing it`);
    out(`${dir}: ${r.removed.length} ${opts.dryRun ? 'would be removed' : 'removed'}, ${r.kept.length + r.inUse.length} kept`);
  }
  return 0;
}

/** The public half of the key dir's signing key, as PEM: what a reviewer passes to `airlock verify --key`. */
export function exportPublicKey(keyDir: string): { ok: true; pem: string; keyId: string } | { ok: false; message: string } {
  const file = path.join(keyDir, 'signing.key');
  let text: Buffer;
  try {
    text = fs.readFileSync(file);
  } catch {
    return { ok: false, message: `no signing key in ${keyDir} yet: it is created when the harness writes its first log (or pass --key-dir)` };
  }
  const publicKey = crypto.createPublicKey(crypto.createPrivateKey(text));
  return { ok: true, pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), keyId: keyIdOf(publicKey) };
}

export function registerLogsCommands(program: Command): void {
  program.command('logs')
    .description('Housekeeping of action logs.')
    .command('prune')
    .description('Remove old action logs (default folders: the harness\'s logs of this workspace and ./.airlock-run/logs). '
      + 'Exit 0 done, 2 bad input.')
    .argument('[dirs...]', 'log folders to prune')
    .option('--keep <n>', 'keep the newest N logs of each folder')
    .option('--older-than <duration>', 'remove logs last written more than this long ago: 30d, 12h, 90m, 2w')
    .option('--workspace <dir>', 'the workspace whose harness logs are pruned by default (default: the current directory)')
    .option('--dry-run', 'print what would be removed, remove nothing')
    .action((dirs: string[], opts: PruneCommandOptions) => { process.exitCode = pruneCommand(dirs, opts); });

  program.command('keys')
    .description('The key that signs log checkpoints.')
    .command('export')
    .description('Print the public key (PEM) that verifies this machine\'s logs; a reviewer runs `airlock verify <log> --key <file>`. '
      + 'Exit 0, 2 when there is no key yet.')
    .option('--key-dir <dir>', 'the key folder (default: the state directory\'s airlock/keys)')
    .action((opts: { keyDir?: string }) => {
      const r = exportPublicKey(path.resolve(opts.keyDir ?? defaultKeyDir()));
      if (!r.ok) { err(r.message); process.exitCode = 2; return; }
      process.stdout.write(r.pem);
      err(`key id ${r.keyId}`);
    });
}
