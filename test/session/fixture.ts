// Test fixture: a real temp folder with a small workspace, session files, a log dir and a key dir; removed afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadSessionFile, type Session } from '../../sandbox/session/format.js';
import { runSession } from '../../sandbox/session/runner.js';
import type { SessionReport } from '../../sandbox/session/report.js';

export const BASE_POLICY = {
  version: 1,
  default: 'ask',
  fs: {
    read: { allow: ['**'], deny: ['**/.env*'] },
    write: { allow: ['src/**'], deny: ['package.json'] },
  },
  exec: { allow: [['node', '--version']] },
  tasks: {
    work: {
      intent: 'work on src',
      scope: { fs: { read: { allow: ['**'] }, write: { allow: ['src/**'] } }, exec: { allow: [['node', '--version']] } },
    },
  },
};

export class Fixture {
  readonly dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-')));
  readonly ws = path.join(this.dir, 'ws');
  readonly logDir = path.join(this.dir, 'logs');
  readonly keyDir = path.join(this.dir, 'keys');

  constructor(policy: unknown = BASE_POLICY) {
    this.write('ws/src/a.ts', 'export const a = 1;\n');
    this.write('ws/README.md', '# ws\n');
    this.write('ws/package.json', '{ "name": "ws" }\n');
    this.write('ws/.env', 'TOKEN=fake-secret\n');
    this.write('ws/.airlock/policy.json', JSON.stringify(policy, null, 2));
  }

  write(rel: string, text: string): string {
    const file = path.join(this.dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  }

  /** Writes a session file (workspace "./ws", task template "work" unless given) and returns its path. */
  session(name: string, body: Record<string, unknown>): string {
    return this.write(`${name}.json`, JSON.stringify({ name, workspace: './ws', task: { template: 'work' }, ...body }, null, 2));
  }

  load(file: string): Session {
    const parsed = loadSessionFile(file);
    if (!parsed.ok) throw new Error(parsed.problems.map((p) => p.message).join('\n'));
    return parsed.session;
  }

  run(file: string, opts: { verify?: boolean; keepWorkspace?: boolean } = {}): Promise<SessionReport> {
    return runSession(this.load(file), { logDir: this.logDir, keyDir: this.keyDir, ...opts });
  }

  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
