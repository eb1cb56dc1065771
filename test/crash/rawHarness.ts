// A minimal raw JSON-RPC peer for a real `airlock host` process: framed requests, pending calls rejected when it dies.
// (HarnessClient's vscode-jsonrpc reader re-arms a 10 s partial-message timer forever when the harness dies mid-frame,
// which would keep the test process alive; this peer holds no timers.)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../support/cli.js';
import { hostCommand } from '../support/harness.js';

interface Pending { resolve: (v: unknown) => void; reject: (e: Error) => void }

export class RawHarness {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buf = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private dead = false;

  constructor(stateDir: string) {
    const [cmd, ...args] = hostCommand(path.join(stateDir, 'keys'));
    this.child = spawn(cmd!, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', XDG_STATE_HOME: stateDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => undefined); // writes after the kill fail; the exit rejects their calls
    this.child.stderr.resume();
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(new Error(`the harness died (${signal ?? code})`));
      this.pending.clear();
      resolve({ code, signal });
    }));
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString())?.[1]);
      if (this.buf.length < end + 4 + len) return;
      const msg = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString()) as { id?: number; method?: string; result?: unknown; error?: { message: string } };
      this.buf = this.buf.subarray(end + 4 + len);
      if (msg.method !== undefined && msg.id !== undefined) {
        // A request from the harness (an approval): nothing here should be asked, so deny it.
        this.write({ jsonrpc: '2.0', id: msg.id, result: { answer: 'deny' } });
      } else if (msg.method === undefined && typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(msg.error.message));
        else p?.resolve(msg.result);
      }
    }
  }

  private write(message: unknown): void {
    const body = Buffer.from(JSON.stringify(message));
    this.child.stdin.write(Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]));
  }

  request<T>(method: string, params?: unknown): Promise<T> {
    if (this.dead) return Promise.reject(new Error('the harness is dead'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
