// Reads Content-Length framed JSON-RPC messages with a size cap; malformed or oversized input is answered, never fatal.
import type { Readable } from 'node:stream';
import { AbstractMessageReader, type DataCallback, type Disposable, type Message } from 'vscode-jsonrpc';
import type { ResponseGate } from './responses.js';

export type FramingProblem =
  | { kind: 'too-large'; bytes: number }
  | { kind: 'bad-header'; header: string }
  | { kind: 'bad-json'; message: string }
  | { kind: 'not-json-rpc'; id: string | number | null }
  /** A length no client sends: skipping it would swallow everything after it, so the transport is closed. */
  | { kind: 'absurd-length'; bytes: number }
  /** A response the host did not ask for: to an id it never sent, or a second answer to one already answered. */
  | { kind: 'unexpected-response'; id: string | number | null; repeated: boolean };

/** Frames longer than this many times the size cap are not skipped: the framing is treated as broken. */
export const ABSURD_LENGTH_FACTOR = 4;

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * vscode-jsonrpc's own reader has no size cap and gives up on bad input; this one skips an oversized body without
 * buffering it, reports bad JSON and non-JSON-RPC values through `onProblem` (the host answers them), and carries on.
 */
export class GuardedMessageReader extends AbstractMessageReader {
  private buffer: Buffer = Buffer.alloc(0);
  private skipping = 0;
  private callback: DataCallback | undefined;
  private broken = false;

  /** `gate`, when given, lets through only the first response to a request the host sent (see ResponseGate). */
  constructor(private readonly readable: Readable, private readonly maxBytes: number, private readonly onProblem: (p: FramingProblem) => unknown,
    private readonly gate?: ResponseGate) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => this.onData(chunk);
    const onEnd = () => this.fireClose();
    const onError = (err: Error) => this.fireError(err);
    this.readable.on('data', onData);
    this.readable.on('end', onEnd);
    this.readable.on('close', onEnd);
    this.readable.on('error', onError);
    return {
      dispose: () => {
        this.readable.off('data', onData);
        this.readable.off('end', onEnd);
        this.readable.off('close', onEnd);
        this.readable.off('error', onError);
      },
    };
  }

  private onData(chunk: Buffer): void {
    if (this.broken) return;
    if (this.skipping > 0) {
      const skip = Math.min(this.skipping, chunk.length);
      this.skipping -= skip;
      chunk = chunk.subarray(skip);
      if (chunk.length === 0) return;
    }
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const end = this.buffer.indexOf(HEADER_END);
      if (end < 0) {
        if (this.buffer.length > 8192) {
          this.onProblem({ kind: 'bad-header', header: this.buffer.subarray(0, 80).toString('utf8') });
          this.buffer = Buffer.alloc(0);
        }
        return;
      }
      const header = this.buffer.subarray(0, end).toString('ascii');
      const match = /(?:^|\r\n)content-length:\s*(\d+)\s*(?:\r\n|$)/i.exec(header);
      if (!match) {
        this.onProblem({ kind: 'bad-header', header: header.slice(0, 80) });
        this.buffer = this.buffer.subarray(end + HEADER_END.length);
        continue;
      }
      const length = Number(match[1]);
      const bodyStart = end + HEADER_END.length;
      if (length > this.maxBytes * ABSURD_LENGTH_FACTOR) {
        // Skipping 100 GB would silently swallow every later message: answer, then close the transport.
        this.broken = true;
        this.buffer = Buffer.alloc(0);
        // Closed once the answer is written (onProblem may return the write's promise), so the client gets it.
        void Promise.resolve(this.onProblem({ kind: 'absurd-length', bytes: length })).catch(() => undefined).finally(() => this.fireClose());
        return;
      }
      if (length > this.maxBytes) {
        this.onProblem({ kind: 'too-large', bytes: length });
        const available = this.buffer.length - bodyStart;
        if (available >= length) {
          this.buffer = this.buffer.subarray(bodyStart + length);
          continue;
        }
        this.skipping = length - available;
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.buffer.length < bodyStart + length) return;
      const body = this.buffer.subarray(bodyStart, bodyStart + length).toString('utf8');
      this.buffer = this.buffer.subarray(bodyStart + length);
      this.deliver(body);
    }
  }

  private deliver(body: string): void {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (err) {
      this.onProblem({ kind: 'bad-json', message: (err as Error).message });
      return;
    }
    if (!isJsonRpcMessage(value)) {
      const id = value && typeof value === 'object' && 'id' in value && (typeof value.id === 'string' || typeof value.id === 'number') ? value.id : null;
      this.onProblem({ kind: 'not-json-rpc', id });
      return;
    }
    if (this.gate && !('method' in value)) {
      const id = (value as unknown as { id: string | number | null }).id;
      const verdict = this.gate.accept(id);
      if (verdict !== 'first') {
        this.onProblem({ kind: 'unexpected-response', id, repeated: verdict === 'repeated' });
        return;
      }
    }
    this.callback?.(value);
  }
}

function isJsonRpcMessage(v: unknown): v is Message {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const m = v as Record<string, unknown>;
  if (m['jsonrpc'] !== '2.0') return false;
  if (typeof m['method'] === 'string') return m['id'] === undefined || typeof m['id'] === 'string' || typeof m['id'] === 'number';
  return ('result' in m || 'error' in m) && (typeof m['id'] === 'string' || typeof m['id'] === 'number' || m['id'] === null);
}
