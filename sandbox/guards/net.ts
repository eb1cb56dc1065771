// The network guard: fetches one URL over http(s), deciding every resolved address and every redirect hop before connecting.
import { promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { AirlockError } from '../errors.js';
import { errnoCode, guardError, type Authorize } from './types.js';

export interface FetchRequest { url: string; method?: string; headers?: Record<string, string>; body?: string }

export interface FetchResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  /** The final URL, after redirects. */
  url: string;
  /** Every redirect target followed, in order. */
  redirects: string[];
  bytes: number;
  /** The IP address the final response came from: the one that was decided. */
  address: string;
}

export interface FetchOptions {
  authorize: Authorize;
  /** Largest response body, in bytes. */
  maxBytes: number;
  /** Time budget for name resolution and network I/O over all hops; time spent deciding (and asking) is not counted. */
  timeoutMs: number;
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Name resolution, for tests; defaults to the system resolver (getaddrinfo). */
  resolve?: (host: string) => Promise<string[]>;
}

const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Headers the guard sets itself: the caller cannot point Host at another virtual host or lie about the body. */
const GUARD_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer']);
/** Credentials that must not follow a redirect to another origin. */
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

async function systemResolve(host: string): Promise<string[]> {
  const answers = await dns.lookup(host, { all: true, verbatim: true });
  return answers.map((a) => a.address);
}

/** Parses and checks a URL: http or https only, no credentials. */
function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw guardError('net.invalid', `${JSON.stringify(raw)} is not a valid absolute URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw guardError('net.scheme', `Only http and https URLs can be fetched, not ${url.protocol.replace(/:$/, '')} (${url.href}).`);
  }
  if (url.username !== '' || url.password !== '') {
    throw guardError('net.credentials', `The URL ${url.protocol}//${url.host}${url.pathname} carries credentials (user:password@); pass credentials in a header instead.`);
  }
  return url;
}

/** The hostname without the brackets of an IPv6 literal. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
}

/** A lookup that answers with the one decided address and never asks DNS again, so a rebinding answer is never used. */
function pinnedLookup(address: string): net.LookupFunction {
  const family = net.isIPv6(address) ? 6 : 4;
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function textual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const ct = contentType.toLowerCase();
  if (/;\s*charset=/.test(ct)) return true;
  const mime = ct.split(';')[0]?.trim() ?? '';
  return mime.startsWith('text/') || /(^|[/+])(json|xml)$/.test(mime) || /javascript|ecmascript/.test(mime)
    || mime === 'application/x-www-form-urlencoded';
}

function decodeText(buf: Buffer, contentType: string | undefined): string {
  const charset = /;\s*charset="?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset) {
    try {
      return new TextDecoder(charset).decode(buf);
    } catch {
      // An unknown charset label: fall back to UTF-8 rather than fail the fetch.
    }
  }
  return buf.toString('utf8');
}

function flattenHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(k === 'set-cookie' ? '\n' : ', ') : v;
  }
  return out;
}

/** Spends a time budget across hops: everything awaited through it counts, deciding does not. */
class Budget {
  private remaining: number;
  constructor(private readonly totalMs: number, private readonly signal: AbortSignal | undefined) {
    this.remaining = totalMs;
  }

  checkAborted(): void {
    if (this.signal?.aborted) throw guardError('net.aborted', 'The fetch was aborted before it finished.');
  }

  timeoutError(url: URL): AirlockError {
    return guardError('net.timeout', `Fetching ${url.href} took longer than ${this.totalMs} ms, so it was stopped.`);
  }

  /** Runs `work` with the remaining time; `cancel` is called with the reason when time runs out or the signal aborts. */
  async run<T>(url: URL, work: (cancel: (fn: (reason: AirlockError) => void) => void) => Promise<T>): Promise<T> {
    this.checkAborted();
    const started = Date.now();
    let onCancel: (reason: AirlockError) => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const stop = (reason: AirlockError) => {
        onCancel(reason);
        reject(reason);
      };
      timer = setTimeout(() => stop(this.timeoutError(url)), Math.max(0, this.remaining));
      onAbort = () => stop(guardError('net.aborted', `Fetching ${url.href} was aborted.`));
      this.signal?.addEventListener('abort', onAbort, { once: true });
    });
    stopped.catch(() => {});
    try {
      return await Promise.race([work((fn) => { onCancel = fn; }), stopped]);
    } finally {
      clearTimeout(timer);
      if (onAbort) this.signal?.removeEventListener('abort', onAbort);
      this.remaining -= Date.now() - started;
    }
  }
}

interface Hop { url: URL; method: string; headers: Record<string, string>; body: string | undefined }

interface HopResponse { status: number; headers: http.IncomingHttpHeaders; body: Buffer | null }

/** Resolves the host once and decides every address; returns the address to connect to. */
async function decideAddress(hop: Hop, opts: FetchOptions, budget: Budget): Promise<string> {
  const host = bareHost(hop.url);
  let addresses: string[];
  if (net.isIP(host) !== 0) {
    addresses = [host];
  } else {
    const resolve = opts.resolve ?? systemResolve;
    try {
      addresses = await budget.run(hop.url, () => resolve(host));
    } catch (err) {
      if (err instanceof AirlockError) throw err;
      throw guardError('net.dns', `The host ${host} could not be resolved (${errnoCode(err) ?? (err instanceof Error ? err.message : String(err))}).`);
    }
    addresses = addresses.filter((a) => net.isIP(a) !== 0);
    if (addresses.length === 0) throw guardError('net.dns', `The host ${host} resolved to no IP address.`);
  }
  // Every address the name resolved to is decided: a name that also points somewhere private is refused as a whole.
  for (const address of addresses) {
    await opts.authorize({ kind: 'net.fetch', url: hop.url.href, method: hop.method, address });
  }
  budget.checkAborted();
  return addresses[0] as string;
}

/** One request to the decided address. Redirect bodies are discarded unread. */
function request(hop: Hop, address: string, opts: FetchOptions, budget: Budget): Promise<HopResponse> {
  const { url } = hop;
  return budget.run(url, (onCancel) => new Promise<HopResponse>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const host = bareHost(url);
    const headers: Record<string, string> = { ...hop.headers, host: url.host };
    if (hop.body !== undefined) headers['content-length'] = String(Buffer.byteLength(hop.body));
    let req: http.ClientRequest;
    const options: https.RequestOptions = {
      protocol: url.protocol,
      host,
      port: url.port === '' ? (isHttps ? 443 : 80) : Number(url.port),
      path: `${url.pathname}${url.search}`,
      method: hop.method,
      headers,
      agent: false,
      lookup: pinnedLookup(address),
      ...(isHttps && net.isIP(host) === 0 ? { servername: host } : {}),
    };
    try {
      req = (isHttps ? https : http).request(options);
    } catch (err) {
      reject(guardError('net.invalid', `The request to ${url.href} is invalid: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    // Reject first, then tear the connection down: after a response began, destroy() may not surface the error.
    const fail = (reason: AirlockError) => {
      reject(reason);
      req.destroy(reason);
    };
    onCancel(fail);
    req.on('error', (err) => {
      if (err instanceof AirlockError) {
        reject(err);
        return;
      }
      const code = errnoCode(err);
      const tls = typeof code === 'string' && /CERT|TLS|SSL/.test(code);
      reject(guardError(tls ? 'net.tls' : 'net.connect', `Fetching ${url.href} from ${address} failed: ${code ?? ''} ${err.message}`.trim()));
    });
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status) && res.headers.location !== undefined) {
        res.destroy();
        resolve({ status, headers: res.headers, body: null });
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) {
        fail(tooLarge(url, `${declared} bytes`, opts.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > opts.maxBytes) {
          fail(tooLarge(url, `more than ${opts.maxBytes} bytes`, opts.maxBytes));
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => reject(err instanceof AirlockError ? err : guardError('net.connect', `Reading the response of ${url.href} failed: ${err.message}`)));
      res.on('end', () => resolve({ status, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end(hop.body);
  }));
}

function tooLarge(url: URL, size: string, max: number): AirlockError {
  return guardError('net.too-large', `The response of ${url.href} is too large: ${size}, the limit is ${max} bytes (limits.maxFetchBytes).`);
}

/** The request for the next hop of a redirect, as browsers (the Fetch standard) build it. */
function nextHop(prev: Hop, status: number, location: string): Hop {
  let next: URL;
  try {
    next = new URL(location, prev.url);
  } catch {
    throw guardError('net.invalid', `${prev.url.href} redirected to an invalid location ${JSON.stringify(location)}.`);
  }
  const url = checkUrl(next.href);
  let { method, body } = prev;
  const headers = { ...prev.headers };
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    for (const h of BODY_HEADERS) delete headers[h];
  }
  if (url.origin !== prev.url.origin) {
    for (const h of ORIGIN_BOUND_HEADERS) delete headers[h];
  }
  return { url, method, headers, body };
}

function initialHop(req: FetchRequest): Hop {
  const url = checkUrl(req.url);
  const method = (req.method ?? 'GET').toUpperCase();
  if (!METHOD_TOKEN.test(method)) throw guardError('net.invalid', `${JSON.stringify(req.method)} is not a valid HTTP method.`);
  if (method === 'CONNECT') throw guardError('net.invalid', 'The CONNECT method (tunnelling) cannot be used.');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) {
    const name = k.toLowerCase();
    if (!GUARD_HEADERS.has(name)) headers[name] = String(v);
  }
  return { url, method, headers, body: req.body };
}

/**
 * Fetches a URL. The host is resolved once per hop; every address is decided through `authorize` and the connection
 * goes to the decided address only. Each redirect is a new hop, decided again (by URL, before any lookup, then by
 * address) before it is followed.
 */
export async function guardedFetch(req: FetchRequest, opts: FetchOptions): Promise<FetchResult> {
  const maxRedirects = opts.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const budget = new Budget(opts.timeoutMs, opts.signal);
  let hop = initialHop(req);
  const redirects: string[] = [];
  for (;;) {
    budget.checkAborted();
    const address = await decideAddress(hop, opts, budget);
    const res = await request(hop, address, opts, budget);
    if (res.body === null) {
      if (redirects.length >= maxRedirects) {
        throw guardError('net.redirects', `${req.url} redirected more than ${maxRedirects} times (last to ${String(res.headers.location)}); not followed further.`);
      }
      hop = nextHop(hop, res.status, String(res.headers.location));
      redirects.push(hop.url.href);
      // Decide the new URL before its name is looked up: a DNS query alone can carry data to whoever owns the name.
      await opts.authorize({ kind: 'net.fetch', url: hop.url.href, method: hop.method });
      continue;
    }
    const contentType = res.headers['content-type'];
    const isText = textual(contentType);
    return {
      status: res.status,
      headers: flattenHeaders(res.headers),
      body: isText ? decodeText(res.body, contentType) : res.body.toString('base64'),
      bodyEncoding: isText ? 'utf8' : 'base64',
      url: hop.url.href,
      redirects,
      bytes: res.body.length,
      address,
    };
  }
}
