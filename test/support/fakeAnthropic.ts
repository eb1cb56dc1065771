// A scripted model on 127.0.0.1 speaking enough of the Anthropic Messages API (SSE streaming and plain JSON) to drive a
// real Claude Code in headless mode: each turn of the conversation answers with the script's next tool call or text, and
// every request is recorded so a test can read what Claude Code sent back to the model (tool results, denials, secrets).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer of the scripted model: a tool call (Claude Code runs it, or a hook refuses it) or a final text. */
export type Turn = ({ tool: string; input: Record<string, unknown> } | { text: string }) & {
  /** Runs before this turn is answered, once (e.g. pull the kill switch between two tool calls). */
  before?: () => Promise<void> | void;
};

/** A list of turns, or a function of the request and the number of assistant messages it carries. */
export type Script = readonly Turn[] | ((body: MessagesBody, index: number) => Turn | undefined);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as Claude Code sent it (searched for secrets). */
  raw: string;
  body: MessagesBody | undefined;
  /** For a conversation turn: the index of the script's turn answered (undefined for side requests). */
  turn?: number;
}

export interface MessagesBody {
  model?: string;
  stream?: boolean;
  max_tokens?: number;
  tools?: Array<{ name: string }>;
  system?: unknown;
  messages?: Array<{ role: string; content: string | Array<Record<string, unknown>> }>;
}

/** A tool_result block Claude Code sent back to the model. */
export interface ToolResult { tool_use_id: string; is_error?: boolean; text: string }

export class FakeAnthropic {
  readonly requests: RecordedRequest[] = [];
  private server: http.Server | undefined;
  private script: Script = [];
  private ids = 0;
  private readonly ran = new WeakSet<Turn>();

  /**
   * The conversation to play: turn n answers the request that carries n earlier assistant messages. A function instead
   * picks the turn from the request (to tell a subagent's conversation from the main one).
   */
  play(script: Script): void {
    this.script = script;
    this.requests.length = 0;
    this.issued.length = 0;
    this.epoch++;
  }

  /** The tool calls the scripted model made in this play, in order. */
  readonly issued: Array<{ turn: number; id: string; name: string }> = [];
  private epoch = 0;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('the fake Anthropic server is not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  /** The requests that were turns of the conversation (not side requests such as titles or token counts). */
  get turns(): RecordedRequest[] {
    return this.requests.filter((r) => r.turn !== undefined);
  }

  /** Every tool_result Claude Code sent to the model, in order. */
  toolResults(): ToolResult[] {
    const seen = new Map<string, ToolResult>();
    for (const r of this.turns) {
      for (const m of r.body?.messages ?? []) {
        if (m.role !== 'user' || typeof m.content === 'string') continue;
        for (const block of m.content) {
          if (block['type'] !== 'tool_result') continue;
          const id = String(block['tool_use_id']);
          seen.set(id, { tool_use_id: id, ...(block['is_error'] === true ? { is_error: true } : {}), text: blockText(block['content']) });
        }
      }
    }
    return [...seen.values()];
  }

  /** Everything Claude Code sent to this server, as one string (to assert a secret never left the machine's agent). */
  everythingSent(): string {
    return this.requests.map((r) => `${r.method} ${r.path}\n${r.raw}`).join('\n');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: MessagesBody | undefined;
      try { body = raw ? JSON.parse(raw) as MessagesBody : undefined; } catch { body = undefined; }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: RecordedRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers, raw, body };
      this.requests.push(rec);
      if (req.method === 'POST' && url.pathname === '/v1/messages/count_tokens') {
        return sendJson(res, 200, { input_tokens: Math.ceil(raw.length / 4) });
      }
      if (req.method === 'POST' && url.pathname === '/v1/messages' && body) {
        // A turn of the agent's conversation offers tools; anything else (a title, a topic check) gets a short text.
        const isTurn = (body.tools?.length ?? 0) > 0;
        let turn: Turn = { text: 'ok' };
        if (isTurn) {
          const index = (body.messages ?? []).filter((m) => m.role === 'assistant').length;
          rec.turn = index;
          turn = (typeof this.script === 'function' ? this.script(body, index) : this.script[index]) ?? { text: 'Done.' };
        }
        const before = turn.before;
        if (before && !this.ran.has(turn)) {
          this.ran.add(turn);
          void Promise.resolve().then(before).then(() => this.answer(res, body, turn, rec.turn), (e: unknown) => {
            sendJson(res, 500, { type: 'error', error: { type: 'api_error', message: `the script's step before turn failed: ${String(e)}` } });
          });
          return;
        }
        return this.answer(res, body, turn, rec.turn);
      }
      // Anything else Claude Code asks at start-up (model lists, settings, telemetry) is unknown here.
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `the fake model server has no ${url.pathname}` } });
    });
  }

  private answer(res: http.ServerResponse, body: MessagesBody, turn: Turn, index: number | undefined): void {
    const id = `msg_fake_${++this.ids}`;
    const model = body.model ?? 'claude-fake';
    let block: { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> } | { type: 'text'; text: string };
    if ('tool' in turn) {
      // Unique like the real API's ids (a subagent's conversation has its own turn 0).
      const toolUseId = `toolu_fake${this.epoch}_${this.ids}`;
      if (index !== undefined) this.issued.push({ turn: index, id: toolUseId, name: turn.tool });
      block = { type: 'tool_use', id: toolUseId, name: turn.tool, input: turn.input };
    } else {
      block = { type: 'text', text: turn.text };
    }
    const stopReason = 'tool' in turn ? 'tool_use' : 'end_turn';
    const usage = { input_tokens: 10, output_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    if (!body.stream) {
      return sendJson(res, 200, { id, type: 'message', role: 'assistant', model, content: [block], stop_reason: stopReason, stop_sequence: null, usage });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const event = (name: string, data: unknown) => res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    event('message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
    if (block.type === 'tool_use') {
      event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      const json = JSON.stringify(block.input);
      // Split like the real API does, so Claude Code's partial-JSON assembly is exercised.
      const half = Math.ceil(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) {
        event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: part } });
      }
    } else {
      event('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      event('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: block.text } });
    }
    event('content_block_stop', { type: 'content_block_stop', index: 0 });
    event('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
    event('message_stop', { type: 'message_stop' });
    res.end();
  }
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function blockText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((c) => (c && typeof c === 'object' && typeof (c as { text?: unknown }).text === 'string' ? (c as { text: string }).text : JSON.stringify(c))).join('\n');
  return JSON.stringify(content ?? '');
}
