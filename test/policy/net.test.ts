// Network rules: URL patterns (host, wildcard, IP, CIDR, port, path), numeric IP forms, credentials and SSRF refusals.
import assert from 'node:assert/strict';
import { decide } from '../../sandbox/policy/decide.js';
import { parseNetPattern } from '../../sandbox/policy/net.js';
import { AirlockError } from '../../sandbox/errors.js';
import type { Action } from '../../sandbox/policy/types.js';
import { ws } from './decide.fixtures.js';

const fetch = (url: string, address?: string): Action => ({ kind: 'net.fetch', url, ...(address !== undefined ? { address } : {}) });

describe('net: host patterns', () => {
  const policy = ws({ net: { allow: ['https://*.example.com/**', 'https://api.github.com/repos/**'], deny: ['https://evil.example.com/**'] } });
  const verdict = (url: string, address?: string) => decide(policy, null, [], fetch(url, address)).verdict;

  it('"*.example.com" matches subdomains only, never example.com itself or example.com.evil.test', () => {
    assert.equal(verdict('https://www.example.com/'), 'allow');
    assert.equal(verdict('https://a.b.example.com/x'), 'allow');
    assert.equal(verdict('https://example.com/'), 'ask');
    assert.equal(verdict('https://example.com.evil.test/'), 'ask');
    assert.equal(verdict('https://notexample.com/'), 'ask');
    assert.equal(verdict('https://www.example.com.evil.test/'), 'ask');
  });

  it('host names compare case-insensitively and ignore a trailing dot', () => {
    assert.equal(verdict('https://WWW.Example.COM./x'), 'allow');
    assert.equal(verdict('https://API.github.com/repos/a/b'), 'allow');
    assert.equal(verdict('https://evil.example.com./'), 'deny');
  });

  it('a deny beats a wildcard allow', () => {
    const d = decide(policy, null, [], fetch('https://EVIL.example.com/x'));
    assert.deepEqual([d.verdict, d.rule.jsonPath, d.rule.pattern], ['deny', 'net.deny[0]', 'https://evil.example.com/**']);
  });

  it('the path glob limits the path; the query is ignored', () => {
    assert.equal(verdict('https://api.github.com/repos/a/b?page=2'), 'allow');
    assert.equal(verdict('https://api.github.com/users/a'), 'ask');
    assert.equal(verdict('https://api.github.com/repos/../users/a'), 'ask');
  });

  it('a denied path cannot be reached by percent-encoding it', () => {
    const p = ws({ net: { allow: ['https://x.test/**'], deny: ['https://x.test/admin/**'] } });
    assert.equal(decide(p, null, [], fetch('https://x.test/%61dmin/users')).verdict, 'deny');
    assert.equal(decide(p, null, [], fetch('https://x.test/admin%2Fusers')).verdict, 'deny');
    assert.equal(decide(p, null, [], fetch('https://x.test/%2e%2e/admin/x')).verdict, 'deny');
  });
});

describe('net: schemes and ports', () => {
  const policy = ws({ net: { allow: ['https://a.test', 'http://plain.test/**', 'https://b.test:8443/**', 'https://c.test:*/**'] } });
  const verdict = (url: string) => decide(policy, null, [], fetch(url)).verdict;

  it('plain http only where a rule writes http', () => {
    assert.equal(verdict('https://a.test/x'), 'allow');
    assert.equal(verdict('http://a.test/x'), 'ask');
    assert.equal(verdict('http://plain.test/x'), 'allow');
    assert.equal(verdict('https://plain.test/x'), 'ask');
  });

  it('no port means the default port only; ":*" any port', () => {
    assert.equal(verdict('https://a.test:443/x'), 'allow');
    assert.equal(verdict('https://a.test:8443/x'), 'ask');
    assert.equal(verdict('https://b.test:8443/x'), 'allow');
    assert.equal(verdict('https://b.test/x'), 'ask');
    assert.equal(verdict('https://c.test:1234/x'), 'allow');
    assert.equal(verdict('https://c.test/x'), 'allow');
  });

  it('other schemes, bad URLs and credentials are denied with a code', () => {
    for (const [url, code] of [
      ['ftp://a.test/x', 'net.scheme'], ['file:///etc/passwd', 'net.scheme'], ['not a url', 'net.bad-url'],
      ['https://user:pw@a.test/x', 'net.credentials'], ['https://user@a.test/x', 'net.credentials'],
    ] as const) {
      const d = decide(policy, null, [], fetch(url));
      assert.deepEqual([d.verdict, d.code], ['deny', code], url);
    }
  });
});

describe('net: numeric IP forms and SSRF', () => {
  const open = ws({ net: { allow: ['http://*:*/**', 'https://*/**'] } });
  const verdict = (p: typeof open, url: string, address?: string) => decide(p, null, [], fetch(url, address));

  it('every numeric spelling of 127.0.0.1 is the loopback address, denied without a rule naming it', () => {
    for (const url of ['http://127.0.0.1/', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[::1]/']) {
      const d = verdict(open, url);
      assert.deepEqual([d.verdict, d.code], ['deny', 'net.ssrf'], url);
      assert.match(d.reason, /loopback address/);
    }
  });

  it('an IP rule opens its address in every numeric spelling', () => {
    const p = ws({ net: { allow: ['http://127.0.0.1:8080/**'] } });
    for (const url of ['http://127.0.0.1:8080/x', 'http://2130706433:8080/x', 'http://0x7f000001:8080/x', 'http://0177.0.0.1:8080/x', 'http://127.1:8080/x']) {
      assert.equal(verdict(p, url).verdict, 'allow', url);
    }
    assert.equal(verdict(p, 'http://127.0.0.1:9090/x').verdict, 'deny');
    assert.equal(verdict(p, 'http://127.0.0.2:8080/x').verdict, 'deny');
  });

  it('a host-name rule does not open the loopback address it resolves to', () => {
    const p = ws({ net: { allow: ['http://localhost:8080/**'] } });
    assert.equal(verdict(p, 'http://localhost:8080/').verdict, 'allow');
    const d = verdict(p, 'http://localhost:8080/', '127.0.0.1');
    assert.deepEqual([d.verdict, d.code], ['deny', 'net.ssrf']);
    const both = ws({ net: { allow: ['http://localhost:8080/**', 'http://127.0.0.1:8080/**'] } });
    assert.equal(verdict(both, 'http://localhost:8080/', '127.0.0.1').verdict, 'allow');
  });

  it('public names resolving to special addresses are denied', () => {
    for (const address of ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.1.1', '100.64.0.1',
      '100.100.100.200', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fd00:ec2::254', 'fc00::1',
      '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::127.0.0.1', 'ff02::1']) {
      const d = verdict(open, 'https://innocent.test/', address);
      assert.deepEqual([d.verdict, d.code], ['deny', 'net.ssrf'], address);
    }
    for (const address of ['93.184.216.34', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(verdict(open, 'https://innocent.test/', address).verdict, 'allow', address);
    }
    assert.equal(verdict(open, 'https://innocent.test/', 'not-an-ip').code, 'net.bad-address');
  });

  it('CIDR rules open a range, IPv4 or IPv6', () => {
    const p = ws({ net: { allow: ['http://10.0.0.0/8:*/**', 'http://[fd00::]/8:3000/**', 'https://intranet.test/**', 'http://fe80::/10'] } });
    assert.equal(verdict(p, 'http://10.20.30.40:5000/x').verdict, 'allow');
    assert.equal(verdict(p, 'http://11.0.0.1:5000/x').verdict, 'ask');
    assert.equal(verdict(p, 'http://[fd12::1]:3000/x').verdict, 'allow');
    assert.equal(verdict(p, 'http://[fd12::1]:3001/x').verdict, 'deny');
    assert.equal(verdict(p, 'http://[fe80::2]/').verdict, 'allow');
    // A name resolving inside the range: the IP rule names the address, but the URL itself needs a rule too.
    assert.equal(verdict(p, 'https://intranet.test/', '10.9.9.9').verdict, 'deny');
    const named = ws({ net: { allow: ['https://intranet.test/**', 'https://10.0.0.0/8/**'] } });
    assert.equal(verdict(named, 'https://intranet.test/', '10.9.9.9').verdict, 'allow');
    assert.equal(verdict(named, 'https://intranet.test/', '192.168.0.1').verdict, 'deny');
  });

  it('a range never opens a cloud metadata address: only a rule naming that exact address does', () => {
    const wide = ws({ net: { allow: ['http://100.0.0.0/8/**', 'http://169.254.0.0/16/**', 'http://[fd00::]/8/**'] } });
    assert.equal(verdict(wide, 'http://100.100.100.201/').verdict, 'allow');
    for (const url of ['http://100.100.100.200/latest', 'http://169.254.169.254/latest/meta-data', 'http://[fd00:ec2::254]/']) {
      const d = verdict(wide, url);
      assert.deepEqual([d.verdict, d.code], ['deny', 'net.ssrf'], url);
      assert.match(d.reason, /cloud metadata address/);
    }
    const exact = ws({ net: { allow: ['http://169.254.169.254/32/**'] } });
    assert.equal(verdict(exact, 'http://169.254.169.254/latest').verdict, 'allow');
  });

  it('a deny rule naming an address also matches names resolving to it and IPv6 forms of it', () => {
    const p = ws({ net: { allow: ['https://*/**', 'https://93.184.216.0/24/**'], deny: ['https://93.184.216.34/**'] } });
    assert.equal(verdict(p, 'https://name.test/', '93.184.216.34').verdict, 'deny');
    assert.equal(verdict(p, 'https://[::ffff:93.184.216.34]/').verdict, 'deny');
    assert.equal(verdict(p, 'https://93.184.216.35/').verdict, 'allow');
  });

  it('an IP rule in the baseline and the workspace is needed to open an address when both layers exist', async () => {
    const { layered } = await import('./decide.fixtures.js');
    const p = layered({
      baseline: [{ version: 1, net: { allow: ['http://*:*/**'] } }],
      workspace: [{ version: 1, net: { allow: ['http://127.0.0.1:8080/**'] } }],
    });
    assert.equal(decide(p, null, [], fetch('http://127.0.0.1:8080/')).code, 'net.ssrf');
  });
});

describe('net: pattern syntax', () => {
  it('rejects malformed patterns with the place of the rule', () => {
    for (const bad of ['example.com', 'ftp://x.test/**', 'https://a.*.com/**', 'https://x.test:99999/', 'https://x.test:abc/', 'https://u@x.test/', 'https://[zz::1]/', 'https://10.0.0.0/33/']) {
      assert.throws(() => parseNetPattern(bad), (e: unknown) => e instanceof AirlockError && e.code === 'policy.bad-pattern', bad);
    }
    assert.throws(() => ws({ net: { deny: ['https://ok.test/**', 'nonsense'] } }), (e: unknown) =>
      e instanceof AirlockError && e.place?.jsonPath === 'net.deny[1]' && e.place.file === '.airlock/policy.json' && e.place.line === 6);
  });

  it('parses IP, CIDR and port forms', () => {
    assert.deepEqual(parseNetPattern('http://[::1]:8080/api/**').port, 8080);
    assert.equal(parseNetPattern('http://10.0.0.0/8').host.kind, 'ip');
    assert.equal(parseNetPattern('http://fd00::/8/x/**').host.kind, 'ip');
    assert.equal(parseNetPattern('https://2130706433/').host.kind, 'ip');
    assert.equal(parseNetPattern('https://cafe:8080/12').host.kind, 'exact');
  });
});
