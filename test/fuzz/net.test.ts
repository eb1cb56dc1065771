// Fuzzes URL and host matching: wildcard hosts match only real subdomains, every numeric IPv4 spelling decides as its
// dotted form, and special addresses (loopback, private, metadata, ...) are never opened by a host-name rule.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide } from '../../sandbox/policy/decide.js';
import { parseNetPattern, netPatternMatches, parseActionUrl } from '../../sandbox/policy/net.js';
import type { Action, Decision } from '../../sandbox/policy/types.js';
import { compileDoc, RUNS } from './support.js';

const fetch = (url: string, address?: string): Action => ({ kind: 'net.fetch', url, ...(address ? { address } : {}) });

/** The host a client would connect to for this URL, as WHATWG URL (what fetch uses) parses it; undefined if unparsable. */
function connectHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

// ── wildcard hosts ───────────────────────────────────────────────────────────────────────────────────────────────

/** Labels near `example.com`: case, IDNA look-alikes (fullwidth letters, ideographic full stop), percent-encoded dots. */
const hostLabel = fc.oneof(
  fc.constantFrom('example', 'com', 'EXAMPLE', 'Example', 'COM', 'evilexample', 'example-com', 'exämple', 'xn--exmple-cua', 'ｅｘａｍｐｌｅ', 'ｃｏｍ',
    'a', 'www', 'api', '', '%2e', 'example%2ecom', 'example。com', 'a．example', '*', 'xn--', '-a', '1', '0x7f', '127'),
  fc.stringMatching(/^[a-z0-9-]{1,8}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 4 }),
);
const hostText = fc.array(hostLabel, { minLength: 1, maxLength: 5 }).chain((labels) => fc.constantFrom(labels.join('.'), labels.join('.') + '.'));
const suffixHost = fc.array(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/), { minLength: 1, maxLength: 3 })
  .map((labels) => `${labels.join('.')}.example.com`);

// ── IPv4 spellings ───────────────────────────────────────────────────────────────────────────────────────────────

const dotted = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
type Radix = 'dec' | 'hex' | 'HEX' | 'oct';
const radix = fc.constantFrom<Radix>('dec', 'hex', 'HEX', 'oct');
function spell(part: number, r: Radix): string {
  switch (r) {
    case 'dec': return String(part);
    case 'hex': return '0x' + part.toString(16);
    case 'HEX': return '0X' + part.toString(16).toUpperCase();
    case 'oct': return '0' + part.toString(8);
  }
}
/** A 32-bit address written as 1 to 4 parts (the last part fills the remaining bytes), each in a random radix. */
const ipv4Spelling = (n: number) => fc.record({ parts: fc.integer({ min: 1, max: 4 }), radixes: fc.array(radix, { minLength: 4, maxLength: 4 }), dot: fc.boolean() })
  .map(({ parts, radixes, dot }) => {
    const bytes = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    const lead = bytes.slice(0, parts - 1);
    const last = bytes.slice(parts - 1).reduce((acc, b) => acc * 256 + b, 0);
    return [...lead, last].map((p, i) => spell(p, radixes[i]!)).join('.') + (dot ? '.' : '');
  });

/** A CIDR around `n` (so rules do match sometimes) or around a random address. */
const cidrNear = (n: number) => fc.record({ near: fc.boolean(), other: fc.integer({ min: 0, max: 0xffffffff }), prefix: fc.integer({ min: 0, max: 32 }) })
  .map(({ near, other, prefix }) => {
    const base = near ? n : other;
    const masked = prefix === 0 ? 0 : (base & (~0 << (32 - prefix))) >>> 0;
    return `${dotted(masked)}/${prefix}`;
  });
const ipRule = (n: number) => fc.record({ cidr: cidrNear(n), port: fc.constantFrom('', ':*', ':8080'), path: fc.constantFrom('', '/**', '/api/**') })
  .map(({ cidr, port, path }) => `http://${cidr}${port}${path}`);

// ── special addresses ────────────────────────────────────────────────────────────────────────────────────────────

const V4_SPECIAL: ReadonlyArray<[number, number]> = [
  [0x7f000000, 8], [0x0a000000, 8], [0xac100000, 12], [0xc0a80000, 16], [0xa9fe0000, 16], [0x64400000, 10],
  [0x00000000, 8], [0xe0000000, 4], [0xf0000000, 4], [0xa9fea9fe, 32], [0x646464c8, 32],
];
const specialV4 = fc.record({ range: fc.constantFrom(...V4_SPECIAL), bits: fc.integer({ min: 0, max: 0xffffffff }) })
  .map(({ range: [base, prefix], bits }) => {
    const hostMask = prefix === 32 ? 0 : (0xffffffff >>> prefix);
    return ((base & ~hostMask) | (bits & hostMask)) >>> 0;
  });
const hex4 = (n: number) => n.toString(16);
const v4Groups = (n: number) => `${hex4(n >>> 16)}:${hex4(n & 0xffff)}`;
/** IPv6 special addresses, and IPv6 forms that carry a special IPv4 address (mapped, compatible, NAT64, 6to4). */
const specialV6 = fc.oneof(
  fc.constantFrom('::1', '::', 'fd00:ec2::254', '0:0:0:0:0:0:0:1'),
  fc.tuple(fc.constantFrom('fe80', 'febf', 'fec0', 'fc00', 'fd12', 'ff02', 'ff0e'), fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 }))
    .map(([first, rest]) => [first, ...rest.map(hex4)].join(':')),
  specialV4.chain((n) => fc.constantFrom(`::ffff:${dotted(n)}`, `::ffff:${v4Groups(n)}`, `64:ff9b::${dotted(n)}`, `2002:${v4Groups(n)}::1`,
    ...(n > 1 ? [`::${dotted(n)}`] : []))),
);
/** A special address as a URL host: IPv4 in any spelling, IPv6 in brackets. */
const specialHost = fc.oneof(specialV4.chain((n) => ipv4Spelling(n)), specialV6.map((a) => `[${a}]`));
/** Host-name rules only: `*`, wildcards and exact names; none names an IP or range. */
const HOST_NAME_RULES = ['http://*:*/**', 'https://*:*/**', 'http://*.example.com:*/**', 'http://localhost:*/**', 'https://localhost/**', 'http://metadata.google.internal/**'];

/** What must not depend on the spelling: the verdict, its code and the rule (the reason quotes the URL as written). */
const essence = (d: Decision) => ({ verdict: d.verdict, code: d.code, rule: d.rule });

describe('fuzz: URL and host matching', () => {
  const wildcard = parseNetPattern('https://*.example.com/**');
  const wildcardPolicy = compileDoc({ default: 'deny', net: { allow: ['https://*.example.com/**'] } });

  it('`*.example.com` matches only hosts ending in `.example.com`, never example.com itself, as the connection would see the host', () => {
    fc.assert(fc.property(hostText, fc.constantFrom('https', 'HTTPS', 'http'), (host, scheme) => {
      const url = `${scheme}://${host}/x`;
      const connectTo = connectHost(url);
      const verdict = decide(wildcardPolicy, null, [], fetch(url)).verdict;
      let matched = false;
      try {
        matched = netPatternMatches(wildcard, parseActionUrl(url), 'allow');
      } catch {
        assert.equal(connectTo, undefined, `${url} parses as a URL but not for the matcher`);
      }
      assert.equal(verdict === 'allow', matched, `${url}: decide says ${verdict} but the pattern match says ${matched}`);
      if (matched) {
        assert.ok(connectTo !== undefined && connectTo.endsWith('.example.com') && connectTo !== 'example.com', `${url} matched but connects to ${connectTo}`);
        // A host like `..example.com` (from `%2e.example%2ecom`) matches: odd, but still a name under example.com.
        assert.ok(connectTo.length > '.example.com'.length, `${url} matched without a subdomain`);
      } else if (connectTo !== undefined && scheme.toLowerCase() === 'https' && /^[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.com$/.test(connectTo)) {
        assert.fail(`${url} (${connectTo}) is a subdomain of example.com but was not matched`);
      }
    }), { numRuns: RUNS.pure, examples: [['example.com', 'https'], ['EXAMPLE.com.', 'https'], ['a%2eexample.com', 'https'], ['a。example。com', 'https'], ['%2e.example%2ecom', 'https']] });
  });

  it('every real subdomain of example.com is allowed by `*.example.com`', () => {
    fc.assert(fc.property(suffixHost, (host) => {
      assert.equal(decide(wildcardPolicy, null, [], fetch(`https://${host}/path`)).verdict, 'allow', host);
    }), { numRuns: RUNS.medium });
  });

  it('any numeric spelling of an IPv4 address (decimal, hex, octal, short forms) decides exactly as its dotted form', () => {
    const arb = fc.integer({ min: 0, max: 0xffffffff }).chain((n) => fc.record({
      n: fc.constant(n),
      spelled: ipv4Spelling(n),
      allow: fc.array(ipRule(n), { maxLength: 3 }),
      deny: fc.array(ipRule(n), { maxLength: 2 }),
      hostRule: fc.boolean(),
      port: fc.constantFrom('', ':8080', ':80'),
      path: fc.constantFrom('/', '/api/v1', '/x/../api/y'),
    }));
    fc.assert(fc.property(arb, ({ n, spelled, allow, deny, hostRule, port, path }) => {
      assert.equal(connectHost(`http://${spelled}/`), dotted(n), `the generator's spelling ${spelled} is not ${dotted(n)}`);
      const policy = compileDoc({ default: 'ask', net: { allow: [...allow, ...(hostRule ? ['http://*:*/**'] : [])], deny } });
      const plain = decide(policy, null, [], fetch(`http://${dotted(n)}${port}${path}`));
      const other = decide(policy, null, [], fetch(`http://${spelled}${port}${path}`));
      assert.deepEqual(essence(other), essence(plain), `http://${spelled}${port}${path} vs ${dotted(n)}: ${other.reason} / ${plain.reason}`);
    }), { numRuns: RUNS.pure });
  });

  it('special addresses are never allowed by host-name rules, whether in the URL or as the resolved address', () => {
    const policy = compileDoc({ default: 'ask', net: { allow: HOST_NAME_RULES } });
    fc.assert(fc.property(specialHost, fc.constantFrom('http', 'https'), fc.constantFrom('', ':8080', ':443'), (host, scheme, port) => {
      const url = `${scheme}://${host}${port}/x`;
      const d = decide(policy, null, [], fetch(url));
      assert.ok(connectHost(url) !== undefined, `the generator's ${url} is not a URL`);
      assert.equal(d.verdict, 'deny', `${url} (${connectHost(url)}) was ${d.verdict}: ${d.reason}`);
      assert.equal(d.code, 'net.ssrf');
    }), { numRuns: RUNS.pure });
    fc.assert(fc.property(fc.oneof(specialV4.map(dotted), specialV6), fc.constantFrom('http://localhost:8080/', 'https://api.example.com/', 'http://x.example.com:81/'), (address, url) => {
      const d = decide(policy, null, [], fetch(url, address));
      assert.equal(d.verdict, 'deny', `${url} resolved to ${address} was ${d.verdict}: ${d.reason}`);
      assert.equal(d.code, 'net.ssrf');
    }), { numRuns: RUNS.medium });
  });
});
