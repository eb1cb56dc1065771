// The per-command network proxy: the only way out of a confined command's empty network namespace. Each connection
// (plain HTTP or HTTPS CONNECT) is decided like a fetch — by URL first, then by every address the name resolves to
// (the SSRF rules) — and goes to the decided address only.
import dns from 'node:dns/promises';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Authorize } from '../guards/types.js';
import { AirlockError } from '../errors.js';

export interface ProxyOptions {
  /** Decides one connection; throws when it is refused (the Enforcer logs each as its own entry). */
  authorize: Authorize;
  /** Name resolution (tests may pin it); default: the system resolver. */
  resolve?: (host: string) => Promise<string[]>;
  /** How long one connection may stay open. */
  timeoutMs: number;
}

export interface RunningProxy {
  /** The folder holding the socket (bound into the sandbox at the same path). */
  readonly dir: string;
  readonly socket: string;
  /** Connections decided so far (allowed and refused), for the command's outcome entry. */
  readonly connections: { target: string; allowed: boolean }[];
  close(): Promise<void>;
}

const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

async function systemResolve(host: string): Promise<string[]> {
  return (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/** Decides a connection to `url`: by URL before any lookup, then each resolved address; returns the address to use. */
async function decide(url: URL, method: string, opts: ProxyOptions): Promise<string> {
  const href = url.href;
  await opts.authorize({ kind: 'net.fetch', url: href, method });
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const addresses = net.isIP(host) !== 0 ? [host] : (await (opts.resolve ?? systemResolve)(host)).filter((a) => net.isIP(a) !== 0);
  if (addresses.length === 0) throw new AirlockError({ code: 'net.dns', message: `The host ${host} resolved to no IP address.` });
  for (const address of addresses) await opts.authorize({ kind: 'net.fetch', url: href, method, address });
  return addresses[0] as string;
}

function refusal(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Starts a proxy on a fresh unix socket in a private folder; close() removes both. */
export async function startProxy(opts: ProxyOptions): Promise<RunningProxy> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'airlock-proxy-'));
  const socket = path.join(dir, 'proxy.sock');
  const sockets = new Set<net.Socket>();
  const connections: { target: string; allowed: boolean }[] = [];

  const server = http.createServer((req, res) => {
    void (async () => {
      let url: URL;
      try {
        url = new URL(req.url ?? '');
        if (url.protocol !== 'http:') throw new Error('not an absolute http URL');
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('Airlock proxy: send absolute http:// URLs, or CONNECT for https.\n');
        return;
      }
      let address: string;
      try {
        address = await decide(url, req.method ?? 'GET', opts);
        connections.push({ target: url.href, allowed: true });
      } catch (err) {
        connections.push({ target: url.href, allowed: false });
        res.writeHead(403, { 'content-type': 'text/plain' }).end(`Airlock refused ${req.method} ${url.href}: ${refusal(err)}\n`);
        return;
      }
      const headers = { ...req.headers };
      for (const h of HOP_BY_HOP) delete headers[h];
      const upstream = http.request({
        host: address, port: url.port || 80, method: req.method, path: url.pathname + url.search,
        headers: { ...headers, host: url.host }, timeout: opts.timeoutMs,
      }, (up) => {
        const out = { ...up.headers };
        for (const h of HOP_BY_HOP) delete out[h];
        res.writeHead(up.statusCode ?? 502, out);
        up.pipe(res);
      });
      upstream.on('timeout', () => upstream.destroy(new Error('timed out')));
      upstream.on('error', (e) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`Airlock proxy: ${e.message}\n`);
        else res.destroy();
      });
      req.pipe(upstream);
    })();
  });

  // CONNECT: the tunnel is opened to the client first and its first bytes say what it carries. Plain HTTP (as undici
  // sends even for http:// URLs) is decided by its full URL, path included; anything else (TLS) as https://host:port/.
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let authority: URL;
    try {
      authority = new URL(`https://${req.url ?? ''}/`);
      if (authority.pathname !== '/' || authority.search !== '' || authority.username !== '' || authority.port === '') throw new Error('bad authority');
    } catch {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const port = Number(authority.port);
    const tunnel = (first: Buffer) => {
      void (async () => {
        const requestLine = /^([A-Z]+) (\/[^ \r\n]*) HTTP\/1\.[01]\r?\n/.exec(first.subarray(0, 8192).toString('latin1'));
        const url = new URL(requestLine ? `http://${authority.hostname}:${port}${requestLine[2]}` : `https://${authority.hostname}:${port}/`);
        const method = requestLine ? requestLine[1] as string : 'CONNECT';
        let address: string;
        try {
          address = await decide(url, method, opts);
          connections.push({ target: url.href, allowed: true });
        } catch (err) {
          connections.push({ target: url.href, allowed: false });
          const body = `Airlock refused ${method} ${url.href}: ${refusal(err)}\n`;
          if (requestLine) client.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
          else client.destroy();
          return;
        }
        const upstream = net.connect({ host: address, port });
        sockets.add(upstream);
        upstream.setTimeout(opts.timeoutMs, () => upstream.destroy());
        upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
        upstream.on('error', () => client.destroy());
        upstream.on('connect', () => {
          upstream.write(first);
          client.resume();
          upstream.pipe(client);
          client.pipe(upstream);
        });
        client.on('close', () => upstream.destroy());
      })();
    };
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) tunnel(head);
    else client.once('data', (chunk: Buffer) => { client.pause(); tunnel(chunk); });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    dir, socket, connections,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fsp.rm(dir, { recursive: true, force: true });
    },
  };
}
