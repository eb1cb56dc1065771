// The network guard against real local HTTP servers: every address and hop is decided, and refusals never connect.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardedFetch, type FetchOptions } from '../../sandbox/guards/net.js';
import type { Action } from '../../sandbox/policy/types.js';
import { recordingAuthorize, rejectsWithCode } from './support.js';

interface TestServer {
  port: number;
  /** Every request received: method, url, headers, body. */
  hits: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void, host = '127.0.0.1'): Promise<TestServer> {
  const hits: TestServer['hits'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; });
    req.on('end', () => {
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'text/plain');
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A resolver for made-up names, all answering loopback: no real DNS is ever asked. */
function fakeResolver(table: Record<string, string[]>): { resolve: (host: string) => Promise<string[]>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    resolve: async (host) => {
      calls.push(host);
      const answer = table[host];
      if (!answer) throw Object.assign(new Error(`no such test host ${host}`), { code: 'ENOTFOUND' });
      return answer;
    },
  };
}

const hostOf = (a: Action) => (a.kind === 'net.fetch' ? new URL(a.url).hostname : '');

describe('guards/net', () => {
  const servers: TestServer[] = [];
  const serve = async (...args: Parameters<typeof startServer>) => {
    const s = await startServer(...args);
    servers.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  const base = (over: Partial<FetchOptions> & Pick<FetchOptions, 'authorize'>): FetchOptions => ({ maxBytes: 100_000, timeoutMs: 5000, ...over });

  it('fetches text from a decided address, keeping the hostname in the Host header', async () => {
    const s = await serve((_req, res) => { res.setHeader('content-type', 'text/plain; charset=utf-8'); res.end('héllo'); });
    const rec = recordingAuthorize();
    const dns = fakeResolver({ 'good.test': ['127.0.0.1'] });
    const r = await guardedFetch({ url: `http://good.test:${s.port}/a?b=1` }, base({ authorize: rec.authorize, resolve: dns.resolve }));
    assert.equal(r.status, 200);
    assert.equal(r.body, 'héllo');
    assert.equal(r.bodyEncoding, 'utf8');
    assert.equal(r.bytes, Buffer.byteLength('héllo'));
    assert.equal(r.address, '127.0.0.1');
    assert.deepEqual(r.redirects, []);
    assert.deepEqual(rec.asked, [{ kind: 'net.fetch', url: `http://good.test:${s.port}/a?b=1`, method: 'GET', address: '127.0.0.1' }]);
    assert.equal(s.hits[0]?.headers.host, `good.test:${s.port}`);
    assert.equal(s.hits[0]?.url, '/a?b=1');
  });

  it('decides a redirect hop again: a refused second hop never reaches its server', async () => {
    const canary = await serve((_req, res) => res.end('canary'));
    const first = await serve((_req, res) => { res.statusCode = 302; res.setHeader('location', `http://canary.test:${canary.port}/steal`); res.end(); });
    const dns = fakeResolver({ 'good.test': ['127.0.0.1'], 'canary.test': ['127.0.0.1'] });
    const rec = recordingAuthorize((a) => hostOf(a) === 'canary.test');
    await rejectsWithCode(guardedFetch({ url: `http://good.test:${first.port}/` }, base({ authorize: rec.authorize, resolve: dns.resolve })), 'denied');
    assert.equal(first.hits.length, 1);
    assert.equal(canary.hits.length, 0);
    assert.deepEqual(rec.asked, [
      { kind: 'net.fetch', url: `http://good.test:${first.port}/`, method: 'GET', address: '127.0.0.1' },
      { kind: 'net.fetch', url: `http://canary.test:${canary.port}/steal`, method: 'GET' },
    ]);
    // Refused by URL before any lookup: a DNS query for the hop's name could itself carry data out.
    assert.deepEqual(dns.calls, ['good.test']);
  });

  it('follows allowed redirects and reports them', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/start') { res.statusCode = 301; res.setHeader('location', '/next'); res.end(); return; }
      res.end('arrived');
    });
    const r = await guardedFetch({ url: `http://127.0.0.1:${s.port}/start` }, base({ authorize: recordingAuthorize().authorize }));
    assert.equal(r.body, 'arrived');
    assert.equal(r.url, `http://127.0.0.1:${s.port}/next`);
    assert.deepEqual(r.redirects, [`http://127.0.0.1:${s.port}/next`]);
  });

  it('stops after maxRedirects hops', async () => {
    const s = await serve((req, res) => {
      const n = Number(req.url?.slice(1)) || 0;
      res.statusCode = 307;
      res.setHeader('location', `/${n + 1}`);
      res.end();
    });
    await rejectsWithCode(guardedFetch({ url: `http://127.0.0.1:${s.port}/0` }, base({ authorize: recordingAuthorize().authorize, maxRedirects: 3 })), 'net.redirects', 'more than 3');
    assert.equal(s.hits.length, 4);
  });

  it('resolves once and connects only to the decided answer, even when the resolver would answer differently later', async () => {
    const s = await serve((_req, res) => res.end('pinned'));
    let calls = 0;
    // A rebinding resolver: the first answer is the decided one; a later lookup would say ::1, where nothing listens.
    const resolve = async () => (calls++ === 0 ? ['127.0.0.1'] : ['::1']);
    const rec = recordingAuthorize();
    const r = await guardedFetch({ url: `http://rebind.test:${s.port}/` }, base({ authorize: rec.authorize, resolve }));
    assert.equal(r.body, 'pinned');
    assert.equal(r.address, '127.0.0.1');
    assert.equal(calls, 1);
    assert.deepEqual(rec.asked.map((a) => (a.kind === 'net.fetch' ? a.address : '')), ['127.0.0.1']);
    assert.equal(s.hits.length, 1);
  });

  it('decides every address a name resolves to; one refused address refuses the fetch before connecting', async () => {
    const s = await serve((_req, res) => res.end('x'));
    const dns = fakeResolver({ 'multi.test': ['127.0.0.1', '::1'] });
    const rec = recordingAuthorize((a) => a.kind === 'net.fetch' && a.address === '::1');
    await rejectsWithCode(guardedFetch({ url: `http://multi.test:${s.port}/` }, base({ authorize: rec.authorize, resolve: dns.resolve })), 'denied');
    assert.deepEqual(rec.asked.map((a) => (a.kind === 'net.fetch' ? a.address : '')), ['127.0.0.1', '::1']);
    assert.equal(s.hits.length, 0);
  });

  it('fetches from IPv6 loopback, deciding the address ::1', async () => {
    const s = await serve((_req, res) => res.end('six'), '::1');
    const rec = recordingAuthorize();
    const r = await guardedFetch({ url: `http://[::1]:${s.port}/` }, base({ authorize: rec.authorize }));
    assert.equal(r.body, 'six');
    assert.equal(r.address, '::1');
    assert.deepEqual(rec.asked, [{ kind: 'net.fetch', url: `http://[::1]:${s.port}/`, method: 'GET', address: '::1' }]);
  });

  it('normalises numeric host forms before deciding', async () => {
    const s = await serve((_req, res) => res.end('num'));
    const rec = recordingAuthorize();
    const r = await guardedFetch({ url: `http://2130706433:${s.port}/` }, base({ authorize: rec.authorize }));
    assert.equal(r.body, 'num');
    assert.deepEqual(rec.asked, [{ kind: 'net.fetch', url: `http://127.0.0.1:${s.port}/`, method: 'GET', address: '127.0.0.1' }]);
  });

  it('refuses an oversized response, declared or streamed', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/declared') { res.end('x'.repeat(5000)); return; }
      res.write('y'.repeat(3000));
      res.end('y'.repeat(3000));
    });
    const opts = base({ authorize: recordingAuthorize().authorize, maxBytes: 4000 });
    await rejectsWithCode(guardedFetch({ url: `http://127.0.0.1:${s.port}/declared` }, opts), 'net.too-large', '4000');
    await rejectsWithCode(guardedFetch({ url: `http://127.0.0.1:${s.port}/streamed` }, opts), 'net.too-large', '4000');
  });

  it('times out on a server that never answers', async () => {
    const s = await serve(() => { /* never answers */ });
    await rejectsWithCode(guardedFetch({ url: `http://127.0.0.1:${s.port}/` }, base({ authorize: recordingAuthorize().authorize, timeoutMs: 300 })), 'net.timeout', '300 ms');
    assert.equal(s.hits.length, 1);
  });

  it('stops when the abort signal fires', async () => {
    const controller = new AbortController();
    const s = await serve(() => controller.abort());
    await rejectsWithCode(guardedFetch({ url: `http://127.0.0.1:${s.port}/` }, base({ authorize: recordingAuthorize().authorize, signal: controller.signal })), 'net.aborted');
  });

  it('refuses credentials in the URL before deciding or connecting', async () => {
    const s = await serve((_req, res) => res.end('x'));
    const rec = recordingAuthorize();
    await rejectsWithCode(guardedFetch({ url: `http://user:pass@127.0.0.1:${s.port}/` }, base({ authorize: rec.authorize })), 'net.credentials');
    assert.deepEqual(rec.asked, []);
    assert.equal(s.hits.length, 0);
  });

  it('refuses schemes other than http and https', async () => {
    const rec = recordingAuthorize();
    await rejectsWithCode(guardedFetch({ url: 'file:///etc/passwd' }, base({ authorize: rec.authorize })), 'net.scheme');
    await rejectsWithCode(guardedFetch({ url: 'not a url' }, base({ authorize: rec.authorize })), 'net.invalid');
    assert.deepEqual(rec.asked, []);
  });

  it('drops Authorization and Cookie on a cross-origin redirect, keeps them on a same-origin one', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/same') { res.statusCode = 302; res.setHeader('location', '/cross'); res.end(); return; }
      if (req.url === '/cross') { res.statusCode = 302; res.setHeader('location', `http://other.test:${(req.socket.address() as AddressInfo).port}/end`); res.end(); return; }
      res.end('end');
    });
    const dns = fakeResolver({ 'good.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    await guardedFetch(
      { url: `http://good.test:${s.port}/same`, headers: { Authorization: 'Bearer t', Cookie: 'c=1', 'X-Keep': 'k' } },
      base({ authorize: recordingAuthorize().authorize, resolve: dns.resolve }),
    );
    const [same, cross, end] = s.hits;
    assert.equal(same?.headers.authorization, 'Bearer t');
    assert.equal(cross?.headers.authorization, 'Bearer t');
    assert.equal(cross?.headers.cookie, 'c=1');
    assert.equal(end?.headers.host, `other.test:${s.port}`);
    assert.equal(end?.headers.authorization, undefined);
    assert.equal(end?.headers.cookie, undefined);
    assert.equal(end?.headers['x-keep'], 'k');
  });

  it('turns a POST into a GET without body on 303, and keeps it on 307', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/see-other') { res.statusCode = 303; res.setHeader('location', '/got'); res.end(); return; }
      if (req.url === '/temp') { res.statusCode = 307; res.setHeader('location', '/got'); res.end(); return; }
      res.end('ok');
    });
    const opts = base({ authorize: recordingAuthorize().authorize });
    await guardedFetch({ url: `http://127.0.0.1:${s.port}/see-other`, method: 'POST', body: 'payload', headers: { 'content-type': 'text/plain' } }, opts);
    assert.deepEqual(s.hits.map((h) => [h.method, h.url, h.body]), [['POST', '/see-other', 'payload'], ['GET', '/got', '']]);
    assert.equal(s.hits[1]?.headers['content-type'], undefined);
    s.hits.length = 0;
    await guardedFetch({ url: `http://127.0.0.1:${s.port}/temp`, method: 'POST', body: 'payload' }, opts);
    assert.deepEqual(s.hits.map((h) => [h.method, h.url, h.body]), [['POST', '/temp', 'payload'], ['POST', '/got', 'payload']]);
  });

  it('returns a binary body as base64', async () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    const s = await serve((_req, res) => { res.setHeader('content-type', 'application/octet-stream'); res.end(bytes); });
    const r = await guardedFetch({ url: `http://127.0.0.1:${s.port}/` }, base({ authorize: recordingAuthorize().authorize }));
    assert.equal(r.bodyEncoding, 'base64');
    assert.deepEqual(Buffer.from(r.body, 'base64'), bytes);
    assert.equal(r.bytes, 5);
  });

  it('returns JSON as text and ignores a caller-supplied Host header', async () => {
    const s = await serve((req, res) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ host: req.headers.host })); });
    const r = await guardedFetch({ url: `http://127.0.0.1:${s.port}/`, headers: { Host: 'evil.example' } }, base({ authorize: recordingAuthorize().authorize }));
    assert.equal(r.bodyEncoding, 'utf8');
    assert.deepEqual(JSON.parse(r.body), { host: `127.0.0.1:${s.port}` });
  });

  it('reports a connection failure with a code', async () => {
    const s = await serve((_req, res) => res.end());
    const port = s.port;
    await s.close();
    servers.length = 0;
    await rejectsWithCode(guardedFetch({ url: `http://127.0.0.1:${port}/` }, base({ authorize: recordingAuthorize().authorize })), 'net.connect', 'ECONNREFUSED');
  });
});
