// Network attacks: numeric and IPv6 spellings of loopback and metadata addresses, trailing dots, userinfo, wildcard
// suffix tricks, redirect chains, DNS answers that change, oversized and silent servers. Only loopback is ever
// contacted: canary servers prove what was not reached, and non-loopback targets are only ever decided, behind a
// tripwire that fails the test before any connection if the policy were to allow one.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { guardedFetch } from '../../sandbox/guards/net.js';
import { decide } from '../../sandbox/policy/decide.js';
import type { CompiledPolicy } from '../../sandbox/policy/compile.js';
import type { Action } from '../../sandbox/policy/types.js';
import { AirlockError } from '../../sandbox/errors.js';
import type { ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena, CanaryServer, assertRefused, listening } from './support.js';

const MARKER = 'oversized-body-marker';

function isLoopback(address: string): boolean {
  return net.isIPv4(address) ? address.startsWith('127.') : address === '::1';
}

/** Decides through the real policy like the pipeline does, and refuses to let the guard connect anywhere but loopback. */
function tripwire(policy: CompiledPolicy, seen: Action[] = []) {
  return async (action: Action): Promise<void> => {
    seen.push(action);
    const d = decide(policy, null, [], action);
    if (d.verdict !== 'allow') throw new AirlockError({ code: d.code ?? 'denied', message: d.reason });
    if (action.kind === 'net.fetch' && action.address !== undefined && !isLoopback(action.address)) {
      throw new Error(`TRIPWIRE: the policy allowed connecting to ${action.address}; the test stopped it`);
    }
  };
}

/** A server on ::1 bound to the same port number as a 127.0.0.1 server (retrying if the port is taken on ::1). */
async function pairOnSamePort(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<[CanaryServer, CanaryServer]> {
  for (let i = 0; ; i++) {
    const v4 = await listening(handler);
    try {
      return [v4, await new CanaryServer().listen('::1', v4.port)];
    } catch (err) {
      await v4.close();
      if (i >= 5) throw err;
    }
  }
}

describe('adversarial: network', function () {
  this.timeout(20000);
  let good: CanaryServer;
  let good6: CanaryServer;
  let canary: CanaryServer;
  let canary6: CanaryServer;
  let arena: Arena | undefined;

  before(async () => {
    canary = await listening();
    canary6 = await listening(undefined, '::1');
    [good, good6] = await pairOnSamePort((req, res) => {
      const to = (location: string) => { res.writeHead(302, { location }); res.end(); };
      switch (req.url) {
        case '/ok': res.setHeader('content-type', 'text/plain'); res.end('ok body'); return;
        case '/relative-ok': return to('/ok');
        case '/to-canary': return to(`http://127.0.0.1:${canary.port}/stolen`);
        case '/to-canary-mapped': return to(`http://[::ffff:127.0.0.1]:${canary.port}/stolen`);
        case '/to-canary-decimal': return to(`http://2130706433:${canary.port}/stolen`);
        case '/to-canary-short': return to(`http://127.1:${canary.port}/stolen`);
        case '/to-canary6': return to(`http://[::1]:${canary6.port}/stolen`);
        case '/to-localhost': return to(`http://localhost:${canary.port}/stolen`);
        case '/to-private': return to('/private/x');
        case '/chain': return to('/relative-to-canary');
        case '/relative-to-canary': return to('/to-canary');
        case '/to-file': return to('file:///etc/passwd');
        case '/to-creds': return to(`http://user:pw@127.0.0.1:${canary.port}/stolen`);
        case '/to-rebind': return to(`http://rebind.test:${good.port}/ok`);
        case '/to-metadata': return to('http://169.254.169.254/latest/meta-data/');
        case '/to-metadata-hex': return to('http://0xa9fea9fe/latest/meta-data/');
        case '/to-alibaba': return to('http://100.100.100.200/latest/meta-data/');
        case '/to-metadata6': return to('http://[fd00:ec2::254]/latest/meta-data/');
        case '/big': res.setHeader('content-type', 'text/plain'); res.end(`${MARKER}${'x'.repeat(100_000)}`); return;
        case '/big-chunked': {
          res.setHeader('content-type', 'text/plain');
          let n = 0;
          const more = () => {
            if (n++ > 50 || res.destroyed) { res.end(); return; }
            res.write(`${MARKER}${'y'.repeat(2000)}`, more);
          };
          more();
          return;
        }
        case '/hang': return; // never answers
        case '/drip': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const timer = setInterval(() => { if (!res.destroyed) res.write('.'); }, 50);
          res.on('close', () => clearInterval(timer));
          return;
        }
        default: res.end('good');
      }
    });
  });
  after(async () => {
    await Promise.all([good, good6, canary, canary6].map((s) => s.close()));
  });
  afterEach(async () => {
    await arena?.close();
    arena = undefined;
    assert.equal(canary.hits.length, 0, `the loopback canary was hit: ${JSON.stringify(canary.hits.map((h) => h.url))}`);
    assert.equal(canary6.hits.length, 0, 'the ::1 canary was hit');
    assert.equal(good6.hits.length, 0, 'the ::1 twin of the allowed server was hit');
  });

  // Default ask (answered by the deny-all prompter): a verdict of deny below means a built-in refusal or a deny rule
  // caught the trick; the user would not even have been asked.
  const policy = () => ({
    version: 1,
    default: 'ask',
    net: {
      allow: [
        `http://127.0.0.1:${good.port}/**`,
        `http://*.canary.test:${canary.port}/**`,
        `http://localhost:${canary.port}/**`,
        `http://localhost:${canary6.port}/**`,
        `http://rebind.test:${good.port}/**`,
        'https://*.example.com/**',
      ],
      deny: [`http://127.0.0.1:${good.port}/private/**`],
    },
    limits: { wallMs: 1500, maxFetchBytes: 4096 },
  });

  const open = (p: Record<string, unknown> = policy()): { a: Arena; t: string } => {
    arena = new Arena({ policy: p });
    return { a: arena, t: arena.startTask() };
  };

  /** Fetches through the Enforcer, after making sure the decision cannot send the guard to DNS for a foreign name. */
  async function fetchThrough(a: Arena, t: string, url: string, extra: { method?: string; headers?: Record<string, string> } = {}): Promise<ActionResult> {
    let host = '';
    try { host = new URL(url).hostname.replace(/^\[|\]$/g, ''); } catch { /* invalid URLs are the pipeline's to refuse */ }
    const d = decide(a.policy, null, [], { kind: 'net.fetch', url });
    if (d.verdict === 'allow' && host !== '' && net.isIP(host) === 0 && host !== 'localhost') {
      assert.fail(`the policy allows ${url}: performing it would resolve ${host} through the system resolver`);
    }
    return a.perform(t, { action: 'net.fetch', url, ...extra });
  }

  it('refuses every numeric spelling of loopback without asking, even where host-name rules allow the port', async () => {
    const { a, t } = open();
    const p = canary.port;
    const forms = ['127.0.0.1', '2130706433', '0x7f000001', '017700000001', '0x7f.1', '0177.0.0.1', '127.1', '127.0.1',
      '0x7f.0.0.1', '0177.0.1', '127.000.000.001', '0x7F.0x0.0x0.0x1', '127.0.0.1.', '127.0.0.2', '0', '0.0.0.0', '0x0'];
    const results: ActionResult[] = [];
    for (const host of forms) {
      const r = await fetchThrough(a, t, `http://${host}:${p}/x`);
      assertRefused(r, host);
      assert.equal(r.verdict, 'deny', `${host}: ${r.reason}`);
      assert.match(r.reason, /loopback|unspecified/);
      results.push(r);
    }
    a.assertSecretAbsent(results);
  });

  it('refuses IPv6 spellings of loopback: ::1, IPv4-mapped, and with zeros written out', async () => {
    const { a, t } = open();
    const urls = [
      `http://[::1]:${canary6.port}/`, `http://[0:0:0:0:0:0:0:1]:${canary6.port}/`, `http://[::ffff:127.0.0.1]:${canary.port}/`,
      `http://[::ffff:7f00:1]:${canary.port}/`, `http://[0:0:0:0:0:ffff:127.0.0.1]:${canary.port}/`,
    ];
    for (const url of urls) {
      const r = await fetchThrough(a, t, url);
      assertRefused(r, url);
      assert.equal(r.verdict, 'deny', `${url}: ${r.reason}`);
    }
    // Forms the kernel would route elsewhere are only decided, never performed.
    for (const host of ['[::127.0.0.1]', '[64:ff9b::7f00:1]', '[2002:7f00:1::]', '[::ffff:127.1.2.3]', '[fe80::1]', '[fc00::1]']) {
      const d = decide(a.policy, null, [], { kind: 'net.fetch', url: `http://${host}:${canary.port}/` });
      assert.equal(d.verdict, 'deny', `${host}: ${d.reason}`);
    }
  });

  it('refuses metadata addresses in every spelling, 100.100.100.200 included, before any connection', async () => {
    const { a } = open();
    const hosts = ['169.254.169.254', '0xa9fea9fe', '2852039166', '0251.0376.0251.0376', '169.254.43518', '0xa9.0xfe.0xa9.0xfe',
      '[::ffff:169.254.169.254]', '[::ffff:a9fe:a9fe]', '[64:ff9b::a9fe:a9fe]', '[2002:a9fe:a9fe::]', '[fd00:ec2::254]',
      '100.100.100.200', '1684301000', '0x646464c8', '[::ffff:100.100.100.200]', '169.254.169.254.', '10.0.0.1', '192.168.1.1', '172.16.0.1', '100.64.0.1'];
    for (const host of hosts) {
      for (const port of ['', ':8080']) {
        const d = decide(a.policy, null, [], { kind: 'net.fetch', url: `http://${host}${port}/latest/meta-data/` });
        assert.equal(d.verdict, 'deny', `${host}${port}: ${d.reason}`);
        assert.equal(d.code, 'net.ssrf', `${host}${port}: ${d.reason}`);
      }
    }
    // A public-looking name that resolves to a metadata address is refused at the address, before connecting.
    const seen: Action[] = [];
    await assert.rejects(
      guardedFetch({ url: 'http://metadata.test/latest/meta-data/' }, { authorize: tripwire(a.policy, seen), maxBytes: 4096, timeoutMs: 1500, resolve: async () => ['100.100.100.200'] }),
      (e: unknown) => e instanceof AirlockError && e.code === 'net.ssrf',
    );
    assert.deepEqual(seen.map((s) => s.kind === 'net.fetch' && s.address), ['100.100.100.200']);
  });

  it('refuses a redirect to loopback in any spelling: the redirecting server is allowed, the target never hit', async () => {
    const { a, t } = open();
    const results: ActionResult[] = [];
    for (const route of ['/to-canary', '/to-canary-mapped', '/to-canary-decimal', '/to-canary-short', '/to-canary6', '/to-localhost', '/chain', '/to-file', '/to-creds']) {
      const r = await fetchThrough(a, t, `http://127.0.0.1:${good.port}${route}`);
      assertRefused(r, route);
      assert.equal(r.verdict, 'allow', `${route}: the first hop itself is allowed`);
      results.push(r);
    }
    const privateHop = await fetchThrough(a, t, `http://127.0.0.1:${good.port}/to-private`);
    assertRefused(privateHop, 'a same-origin redirect into a denied path');
    assert.equal(good.hits.some((h) => h.url.startsWith('/private')), false);
    // Redirects the policy allows are still followed.
    const ok = await fetchThrough(a, t, `http://127.0.0.1:${good.port}/relative-ok`);
    assert.equal(ok.outcome, 'done', JSON.stringify(ok));
    assert.equal((ok.result as { body: string }).body, 'ok body');
    a.assertSecretAbsent(results);
  });

  it('refuses a redirect to a metadata address before connecting to it', async () => {
    const { a } = open();
    for (const route of ['/to-metadata', '/to-metadata-hex', '/to-alibaba', '/to-metadata6']) {
      const seen: Action[] = [];
      await assert.rejects(
        guardedFetch({ url: `http://127.0.0.1:${good.port}${route}` }, { authorize: tripwire(a.policy, seen), maxBytes: 4096, timeoutMs: 1500 }),
        (e: unknown) => e instanceof AirlockError && e.code === 'net.ssrf',
        route,
      );
      assert.equal(seen.length, 2, `${route}: the first hop and the metadata hop were decided`);
    }
  });

  it('matches a deny rule on the normalised URL: numeric hosts, encoded and dot-segment paths do not slip past it', async () => {
    const { a, t } = open();
    const hitsBefore = good.hits.length;
    const g = good.port;
    for (const url of [`http://127.0.0.1:${g}/private/x`, `http://0x7f.1:${g}/private/x`, `http://2130706433:${g}/private/x`,
      `http://127.0.0.1:${g}/%70rivate/x`, `http://127.0.0.1:${g}/public/../private/x`, `http://127.0.0.1:${g}/public/%2e%2e/private/x`,
      `http://127.0.0.1:${g}/./private/x`]) {
      const r = await fetchThrough(a, t, url);
      assertRefused(r, url);
      assert.equal(r.verdict, 'deny', `${url}: ${r.reason}`);
    }
    assert.equal(good.hits.length, hitsBefore, 'the allowed server got no request for the denied path');
  });

  it('refuses userinfo tricks and wildcard-suffix lookalikes before resolving anything', async () => {
    const { a, t } = open();
    const p = canary.port;
    for (const url of [`http://allowed.test@127.0.0.1:${p}/`, `http://allowed.test:${p}@127.0.0.1:${p}/`, `http://127.0.0.1:${p}\\@allowed.test/`,
      `http://allowed.test\\@127.0.0.1:${p}/`, `http://%61llowed.test@127.0.0.1:${p}/`, `http://a.canary.test:${p}@127.0.0.1:${p}/`]) {
      const r = await fetchThrough(a, t, url);
      assertRefused(r, url);
      assert.notEqual(r.verdict, 'allow', `${url}: ${r.reason}`);
    }
    for (const url of ['https://example.com.evil.test/', 'https://example.com/', 'https://evilexample.com/', 'https://www.example.com.evil.test/',
      'https://example.com%2eevil.test/', 'https://www.example.com@evil.test/', 'https://evil.test/.example.com/', 'https://evil.test#.example.com',
      'https://evil.test?.example.com', 'https://www.example.com:443@evil.test/']) {
      const r = await fetchThrough(a, t, url);
      assertRefused(r, url);
      assert.notEqual(r.verdict, 'allow', `${url}: ${r.reason}`);
    }
    // A trailing dot is the same name: deny rules and allow rules see through it.
    const d = decide(a.policy, null, [], { kind: 'net.fetch', url: 'https://www.example.com./' });
    assert.equal(d.verdict, 'allow', 'www.example.com. is www.example.com');
  });

  it('pins the decided address: a DNS answer that changes after the decision is never used', async () => {
    const { a } = open();
    let calls = 0;
    const rebinding = async (): Promise<string[]> => (++calls === 1 ? ['127.0.0.1'] : ['::1']);
    const r = await guardedFetch({ url: `http://rebind.test:${good.port}/ok` }, { authorize: tripwire(a.policy), maxBytes: 4096, timeoutMs: 1500, resolve: rebinding });
    assert.equal(r.body, 'ok body');
    assert.equal(r.address, '127.0.0.1');
    assert.equal(calls, 1, 'the name was resolved once, and the connection used that answer');
    // An answer holding one refused address refuses the fetch as a whole.
    const hitsBefore = good.hits.length;
    await assert.rejects(
      guardedFetch({ url: `http://rebind.test:${good.port}/ok` }, { authorize: tripwire(a.policy), maxBytes: 4096, timeoutMs: 1500, resolve: async () => ['127.0.0.1', '::1'] }),
      (e: unknown) => e instanceof AirlockError && e.code === 'net.ssrf',
    );
    // A redirect resolves its host again; the new answer is decided again.
    calls = 0;
    await assert.rejects(
      guardedFetch({ url: `http://127.0.0.1:${good.port}/to-rebind` }, { authorize: tripwire(a.policy), maxBytes: 4096, timeoutMs: 1500, resolve: async () => { calls++; return ['::1']; } }),
      (e: unknown) => e instanceof AirlockError && e.code === 'net.ssrf',
    );
    assert.equal(calls, 1);
    assert.equal(good.hits.length, hitsBefore + 1, 'only the redirecting hop reached the allowed server');
  });

  it('refuses an oversized response, declared or streamed, and neither returns nor logs its body', async () => {
    const { a, t } = open();
    const results: ActionResult[] = [];
    for (const route of ['/big', '/big-chunked']) {
      const r = await fetchThrough(a, t, `http://127.0.0.1:${good.port}${route}`);
      assert.equal(r.outcome, 'error', JSON.stringify(r).slice(0, 300));
      assert.equal(r.error?.code, 'net.too-large');
      assert.equal(r.result, undefined);
      results.push(r);
    }
    assert.equal(JSON.stringify(results).includes(MARKER), false);
    assert.equal(a.logText().includes(MARKER), false, 'no part of the body reached the log');
  });

  it('stops a server that never answers, or drips forever, at the time limit, and keeps working', async () => {
    const { a, t } = open();
    const [hang, drip] = await Promise.all([
      fetchThrough(a, t, `http://127.0.0.1:${good.port}/hang`),
      fetchThrough(a, t, `http://127.0.0.1:${good.port}/drip`),
    ]);
    for (const r of [hang, drip]) {
      assert.equal(r.outcome, 'error', JSON.stringify(r).slice(0, 300));
      assert.equal(r.error?.code, 'net.timeout');
    }
    const ok = await fetchThrough(a, t, `http://127.0.0.1:${good.port}/ok`);
    assert.equal(ok.outcome, 'done');
  });

  it('keeps request smuggling out: CR/LF in headers, a forged Host, and CONNECT', async () => {
    const { a, t } = open();
    const before = good.hits.length;
    const crlf = await fetchThrough(a, t, `http://127.0.0.1:${good.port}/ok`, { headers: { 'x-a': `b\r\nHost: 127.0.0.1:${canary.port}` } });
    assert.notEqual(crlf.outcome, 'done');
    const connect = await fetchThrough(a, t, `http://127.0.0.1:${good.port}/ok`, { method: 'CONNECT' });
    assert.notEqual(connect.outcome, 'done');
    assert.equal(good.hits.length, before, 'neither reached the server');
    const forged = await fetchThrough(a, t, `http://127.0.0.1:${good.port}/ok`, { headers: { Host: `127.0.0.1:${canary.port}` } });
    assert.equal(forged.outcome, 'done');
    assert.equal(good.hits.at(-1)?.headers.host, `127.0.0.1:${good.port}`);
  });
});
