// A raw JSON-RPC peer of a real `airlock host` process: writes any bytes or frames, keeps every message it receives,
// answers approval requests, and rejects pending calls when the host dies. It holds no timers of its own (unlike
// vscode-jsonrpc's reader), so a killed host never keeps the test process alive.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './cli.js';
import { hostCommand } from './harness.js';

export type Message = Record<string, unknown>;

export function frame(body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
}

interface Pending { resolve: (m: Message) => void; reject: (e: Error) => void }

export class RawPeer {
  readonly child: ChildProcessWithoutNullStreams;
  readonly messages: Message[] = [];
  /** Everything the host printed: stderr, and stdout as latin1 (for "never appears anywhere" checks). */
  raw = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The exit code alone. */
  readonly exit: Promise<number | null>;
  /** How approval/request is answered; `null` leaves it unanswered. Default: deny. */
  onApproval: (m: Message) => Message | null = (m) => ({ jsonrpc: '2.0', id: m['id'], result: { answer: 'deny' } });
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private readonly pending = new Map<unknown, Pending>();
  private nextId = 1_000_000;
  private dead = false;

  constructor(stateDir: string, env: NodeJS.ProcessEnv = {}) {
    const [cmd, ...args] = hostCommand(path.join(stateDir, 'keys'));
    this.child = spawn(cmd!, args, { cwd: repoRoot, env: { ...process.env, NODE_OPTIONS: '', XDG_STATE_HOME: stateDir, XDG_CONFIG_HOME: stateDir, AIRLOCK_BASELINE_POLICY: '', ...env } });
    this.child.stdin.on('error', () => undefined); // writes after a kill fail; the exit rejects their calls
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(new Error(`the harness exited (${signal ?? code})`));
      this.pending.clear();
      for (const w of this.waiters.splice(0)) w();
      resolve({ code, signal });
    }));
    this.exit = this.exited.then((e) => e.code);
    this.child.stderr.on('data', (d: Buffer) => { this.raw += d.toString(); });
    this.child.stdout.on('data', (d: Buffer) => this.onData(d));
  }

  private onData(d: Buffer): void {
    this.raw += d.toString('latin1');
    this.buf = Buffer.concat([this.buf, d]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const len = Number(/Content-Length: (\d+)/i.exec(this.buf.subarray(0, end).toString())?.[1]);
      if (this.buf.length < end + 4 + len) break;
      const m = JSON.parse(this.buf.subarray(end + 4, end + 4 + len).toString()) as Message;
      this.buf = this.buf.subarray(end + 4 + len);
      this.messages.push(m);
      if (m['method'] === 'approval/request') {
        const reply = this.onApproval(m);
        if (reply) this.send(JSON.stringify(reply));
      } else if (m['method'] === undefined && this.pending.has(m['id'])) {
        const p = this.pending.get(m['id'])!;
        this.pending.delete(m['id']);
        p.resolve(m);
      }
    }
    for (const w of this.waiters.splice(0)) w();
  }

  send(body: string | Buffer): void { this.child.stdin.write(frame(body)); }
  request(id: unknown, method: string, params?: unknown): void { this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params })); }

  /** Waits (up to ~15 s) for a message the predicate accepts, among those received so far or later. */
  async waitFor(pred: (m: Message) => boolean): Promise<Message> {
    for (let i = 0; i < 150; i++) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (this.dead) break;
      await new Promise<void>((r) => { this.waiters.push(r); setTimeout(r, 100); });
    }
    throw new Error(`no such message; got ${JSON.stringify(this.messages).slice(0, 800)}`);
  }

  /** Sends a request with this id and waits for its response (result or error). */
  async call(id: number, method: string, params?: unknown): Promise<Message> {
    this.request(id, method, params);
    return this.waitFor((m) => m['id'] === id && ('result' in m || 'error' in m));
  }

  /** A request with a fresh id: resolves with its result, rejects with its error or when the host dies. */
  rpc<T>(method: string, params?: unknown): Promise<T> {
    if (this.dead) return Promise.reject(new Error('the harness has exited'));
    const id = this.nextId++;
    return new Promise<Message>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.request(id, method, params);
    }).then((m) => {
      if (m['error']) throw new Error((m['error'] as { message: string }).message);
      return m['result'] as T;
    });
  }

  kill(): void { this.child.kill('SIGKILL'); }
}
