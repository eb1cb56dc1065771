// Real temporary workspaces for tests: a folder with files and an optional .airlock/policy.json, removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TempWorkspace {
  root: string;
  /** A folder outside the workspace for logs and keys, as in real use. */
  stateDir: string;
  write(rel: string, content: string): string;
  read(rel: string): string;
  exists(rel: string): boolean;
  cleanup(): void;
}

export function makeWorkspace(files: Record<string, string> = {}, policy?: unknown): TempWorkspace {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-')));
  const root = path.join(base, 'ws');
  const stateDir = path.join(base, 'state');
  fs.mkdirSync(root);
  fs.mkdirSync(stateDir);
  const ws: TempWorkspace = {
    root, stateDir,
    write(rel, content) {
      const p = path.join(root, rel);
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content);
      return p;
    },
    read: (rel) => fs.readFileSync(path.join(root, rel), 'utf8'),
    exists: (rel) => fs.existsSync(path.join(root, rel)),
    cleanup: () => fs.rmSync(base, { recursive: true, force: true }),
  };
  for (const [rel, content] of Object.entries(files)) ws.write(rel, content);
  if (policy !== undefined) ws.write('.airlock/policy.json', JSON.stringify(policy, null, 2));
  return ws;
}
