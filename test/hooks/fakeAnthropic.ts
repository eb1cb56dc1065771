// A stand-in for the Anthropic Messages API on 127.0.0.1 (there is no internet here), so the real Claude Code binary
// runs a real session: to a prompt naming E2E-READ it answers one Read tool call of `target`, then a line of text once
// it has seen the tool's result. It keeps every request body, so a test can see what reached the model.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeAnthropic {
  url: string;
  /** The file the next session's Read names. */
  target: string;
  /** Every request body, as received. */
  bodies: string[];
  /** The tool_result blocks Claude Code sent back (what the model would see of the tool call). */
  toolResults(): Array<{ content: unknown; is_error?: boolean; tool_use_id: string }>;
  close(): Promise<void>;
}

type Event = Record<string, unknown> & { type: string };

function stream(res: http.ServerResponse, blocks: Event[], stop: string): void {
  const events: Event[] = [
    { type: 'message_start', message: { id: `msg_${Date.now()}`, type: 'message', role: 'assistant', model: 'claude-opus-5-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } },
    ...blocks,
    { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 10 } },
    { type: 'message_stop' },
  ];
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const e of events) res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
  res.end();
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const bodies: string[] = [];
  let n = 0;
  const fake = { target: '' } as FakeAnthropic;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; });
    req.on('end', () => {
      bodies.push(body);
      if (!(req.url ?? '').startsWith('/v1/messages')) { res.writeHead(404, { 'content-type': 'application/json' }); res.end('{}'); return; }
      const text = (t: string): Event[] => [
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } },
        { type: 'content_block_stop', index: 0 },
      ];
      if (body.includes('"tool_result"')) { stream(res, text('seen the result'), 'end_turn'); return; }
      if (!body.includes('E2E-READ')) { stream(res, text('ok'), 'end_turn'); return; }
      stream(res, [
        { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: `toolu_e2e_${++n}`, name: 'Read', input: {} } },
        { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ file_path: fake.target }) } },
        { type: 'content_block_stop', index: 0 },
      ], 'tool_use');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.bodies = bodies;
  fake.toolResults = () => bodies.flatMap((b) => {
    try {
      const messages = (JSON.parse(b) as { messages?: Array<{ content?: unknown }> }).messages ?? [];
      return messages.flatMap((m) => (Array.isArray(m.content) ? m.content.filter((c: { type?: string }) => c.type === 'tool_result') : []));
    } catch {
      return [];
    }
  });
  fake.close = () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
  return fake;
}
