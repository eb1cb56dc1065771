// Network rules: `scheme://host[:port][/path-glob]` patterns, URL parsing (WHATWG), and matching for allow and deny.
//
// Pattern syntax (one clear form per case):
//   scheme   http or https, matched exactly (plain http only where a rule writes http).
//   host     exact name (case-insensitive, trailing dot ignored); `*.example.com` (subdomains only, never example.com
//            itself); `*` (any host name, never opening private addresses); an IPv4 literal `10.1.2.3`; an IPv6 literal
//            in brackets `[::1]`; a CIDR `10.0.0.0/8` or `[fd00::]/8` (bare `fd00::/8` is accepted when nothing but a
//            path follows it). After an IP literal, `/<digits>` is always the CIDR prefix: a path on a single address
//            whose first segment is a number is written with its prefix, e.g. `http://10.0.0.1/32/8`.
//   port     omitted: only the scheme's default port (80, 443); `:8080`; `:*` any port.
//   path     a micromatch glob over the URL's pathname (query ignored), default `/**`.
import micromatch from 'micromatch';
import { AirlockError } from '../errors.js';
import { embeddedIpv4, isCloudMetadata, parseCidr, parseIp, rangeContains, type IpAddress, type IpRange } from './addresses.js';
import { allowedBy, deniedBy, describeRule } from './format.js';
import type { RuleRef } from './types.js';

export type HostPattern =
  | { kind: 'any' }
  | { kind: 'exact'; name: string }
  | { kind: 'subdomains'; suffix: string }
  | { kind: 'ip'; range: IpRange };

export interface NetPattern {
  readonly text: string;
  readonly scheme: 'http' | 'https';
  readonly host: HostPattern;
  readonly port: number | '*';
  readonly path: RegExp;
}

export interface NetRule {
  readonly index: number;
  readonly ref: RuleRef;
  readonly pattern: NetPattern;
  /** `describeRule(ref)`, and the ends of the allow and deny reasons naming it: computed once, a decision only concatenates. */
  readonly text: string;
  readonly allowedBy: string;
  readonly deniedBy: string;
}

export interface NetList {
  readonly rules: readonly NetRule[];
  /** Rules with an exact host name, by that name, for a fast lookup. */
  readonly byHost: ReadonlyMap<string, readonly NetRule[]>;
  readonly otherRules: readonly NetRule[];
}

/** A URL as the matcher sees it. */
export interface ParsedUrl {
  readonly href: string;
  readonly scheme: string;
  /** Lower-case host without a trailing dot; IPv6 without brackets. */
  readonly host: string;
  /** The host when it is an IP literal. */
  readonly hostIp?: IpAddress;
  readonly port: number;
  readonly pathname: string;
  readonly hasCredentials: boolean;
}

export const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443 };

function badPattern(text: string, why: string, ref?: RuleRef): AirlockError {
  return new AirlockError({
    code: 'policy.bad-pattern',
    message: `The URL pattern ${JSON.stringify(text)} is not valid: ${why}. Write scheme://host[:port][/path-glob], e.g. "https://api.example.com/**".`,
    ...(ref ? { place: { file: ref.file, line: ref.line, col: ref.col, jsonPath: ref.jsonPath } } : {}),
  });
}

/** Normalise a host name exactly as WHATWG URL does for a request (lower case, punycode, numeric IPv4 forms). */
function normaliseHostName(name: string): string | undefined {
  try {
    return new URL(`http://${name}/`).hostname.replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

function parseHostPattern(hostText: string, text: string, ref?: RuleRef): HostPattern {
  if (hostText === '*') return { kind: 'any' };
  const cidr = /[/:]/.test(hostText) || hostText.startsWith('[') ? parseCidr(hostText) : undefined;
  if (cidr) return { kind: 'ip', range: cidr };
  if (/[/:[\]]/.test(hostText)) throw badPattern(text, `"${hostText}" is not a valid IP address or CIDR range`, ref);
  if (hostText.startsWith('*.')) {
    const suffix = normaliseHostName(hostText.slice(2));
    if (!suffix || suffix.includes('*') || parseIp(suffix)) throw badPattern(text, `"${hostText}" is not a valid wildcard host`, ref);
    return { kind: 'subdomains', suffix: '.' + suffix };
  }
  if (hostText.includes('*')) throw badPattern(text, `"*" in a host may only stand alone or as a leading "*." label`, ref);
  const name = normaliseHostName(hostText);
  if (!name) throw badPattern(text, `"${hostText}" is not a valid host`, ref);
  const ip = parseIp(name);
  if (ip) return { kind: 'ip', range: { ...ip, prefix: ip.family === 4 ? 32 : 128 } };
  return { kind: 'exact', name };
}

export function parseNetPattern(text: string, ref?: RuleRef): NetPattern {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.+)$/.exec(text);
  if (!m) throw badPattern(text, 'it has no scheme://', ref);
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') throw badPattern(text, `only http and https can be fetched, not ${scheme}`, ref);
  const rest = m[2]!;
  if (rest.includes('@')) throw badPattern(text, 'credentials (user@) are never allowed in URLs', ref);
  // Host: bracketed IPv6 (with optional /prefix), bare IPv6 CIDR, IPv4 (with optional /prefix), or a name.
  const hm = /^(\[[^\]]*\](?:\/\d{1,3})?)(.*)$/.exec(rest)
    ?? /^([0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*\/\d{1,3})(\/.*)?$/.exec(rest)
    ?? /^(\d+\.\d+\.\d+\.\d+\/\d{1,2})([:/].*)?$/.exec(rest)
    ?? /^([^/:]+)(.*)$/.exec(rest);
  if (!hm) throw badPattern(text, 'it has no host', ref);
  const host = parseHostPattern(hm[1]!, text, ref);
  let after = hm[2] ?? '';
  let port: number | '*' = DEFAULT_PORTS[scheme]!;
  const pm = /^:(\*|\d{1,5})(.*)$/.exec(after);
  if (pm) {
    port = pm[1] === '*' ? '*' : Number(pm[1]);
    if (port !== '*' && (port < 1 || port > 65535)) throw badPattern(text, `port ${port} is out of range`, ref);
    after = pm[2] ?? '';
  } else if (after.startsWith(':')) {
    throw badPattern(text, 'the port must be a number or "*"', ref);
  }
  if (after !== '' && !after.startsWith('/')) throw badPattern(text, 'the path must start with "/"', ref);
  const pathGlob = after === '' ? '/**' : after;
  let path: RegExp;
  try {
    path = micromatch.makeRe(pathGlob, { dot: true });
  } catch (e) {
    throw badPattern(text, `the path glob is invalid (${(e as Error).message})`, ref);
  }
  return { text, scheme, host, port, path };
}

/** Parse the URL of an action with WHATWG URL; an AirlockError (`net.bad-url`) if it cannot be fetched at all. */
export function parseActionUrl(url: string): ParsedUrl {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AirlockError({ code: 'net.bad-url', message: `${JSON.stringify(url)} is not a valid absolute URL.` });
  }
  const protocol = u.protocol;
  const scheme = protocol.endsWith(':') ? protocol.slice(0, -1) : protocol;
  const host = stripTrailingDot(stripBrackets(u.hostname));
  const hostIp = mayBeIp(host) ? parseIp(host) : undefined;
  const port = u.port === '' ? (DEFAULT_PORTS[scheme] ?? 0) : Number(u.port);
  const href = u.href;
  const pathname = u.pathname;
  const hasCredentials = u.username !== '' || u.password !== '';
  return hostIp
    ? { href, scheme, host, hostIp, port, pathname, hasCredentials }
    : { href, scheme, host, port, pathname, hasCredentials };
}

/** `[::1]` → `::1`: drops a leading `[` and a trailing `]`, each on its own. */
function stripBrackets(h: string): string {
  const open = h.charCodeAt(0) === 0x5b ? 1 : 0;
  const close = h.length > open && h.charCodeAt(h.length - 1) === 0x5d ? 1 : 0;
  return open === 0 && close === 0 ? h : h.slice(open, h.length - close);
}

function stripTrailingDot(h: string): string {
  return h.charCodeAt(h.length - 1) === 0x2e ? h.slice(0, -1) : h;
}

/**
 * False only for hosts parseIp certainly rejects, to skip its two regexes on host names: an IPv4 literal ends in a
 * digit and an IPv6 one has a `:`, and a host that ends in a letter, `-` or `_` and has no `:`, `%` or `[` is neither
 * (parseIp would trim nothing at its end, cut no zone, strip no bracket).
 */
function mayBeIp(host: string): boolean {
  const c = host.charCodeAt(host.length - 1) | 0x20;
  const endsInName = (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x7f;
  return !endsInName || host.includes(':') || host.includes('%') || host.includes('[');
}

function decodedPath(pathname: string): string | undefined {
  try {
    const d = decodeURIComponent(pathname);
    return d === pathname ? undefined : d;
  } catch {
    return undefined;
  }
}

/**
 * Does a pattern match a URL? `allow` matching is literal: the host as written in the URL, the pathname as sent.
 * `deny` matching is wider, to be safe: an IP rule also matches the address the guard will connect to and IPv4 inside
 * IPv6 forms, and the path glob is also tried on the percent-decoded path.
 */
export function netPatternMatches(p: NetPattern, url: ParsedUrl, mode: 'allow' | 'deny', address?: IpAddress): boolean {
  if (p.scheme !== url.scheme) return false;
  if (p.port !== '*' && p.port !== url.port) return false;
  if (!hostMatches(p.host, url, mode, address)) return false;
  if (p.path.test(url.pathname)) return true;
  if (mode === 'allow') return false;
  const d = decodedPath(url.pathname);
  return d !== undefined && p.path.test(d);
}

function hostMatches(h: HostPattern, url: ParsedUrl, mode: 'allow' | 'deny', address?: IpAddress): boolean {
  switch (h.kind) {
    case 'any': return true;
    case 'exact': return url.host === h.name;
    case 'subdomains': return url.host.length > h.suffix.length && url.host.endsWith(h.suffix);
    case 'ip': {
      if (url.hostIp && rangeContains(h.range, url.hostIp)) return true;
      if (mode === 'allow') return false;
      const candidates = [url.hostIp, address].filter((x): x is IpAddress => x !== undefined);
      return candidates.some((ip) => rangeContains(h.range, ip) || (embeddedIpv4(ip) !== undefined && rangeContains(h.range, embeddedIpv4(ip)!)));
    }
  }
}

/**
 * Does this allow pattern literally name `ip` (an IP or CIDR host containing it) and otherwise match the URL? Only such
 * a rule opens a loopback, private or metadata address: a host-name rule like `http://localhost:8080` does not.
 */
export function netPatternNamesAddress(p: NetPattern, url: ParsedUrl, ip: IpAddress): boolean {
  if (p.host.kind !== 'ip' || !rangeContains(p.host.range, ip)) return false;
  if (isCloudMetadata(ip) && p.host.range.prefix !== (p.host.range.family === 4 ? 32 : 128)) return false;
  if (p.scheme !== url.scheme) return false;
  if (p.port !== '*' && p.port !== url.port) return false;
  return p.path.test(url.pathname);
}

export function compileNetList(entries: ReadonlyArray<{ pattern: string; ref: RuleRef }>): NetList {
  const rules = entries.map((e, index): NetRule => {
    const text = describeRule(e.ref);
    return { index, ref: e.ref, pattern: parseNetPattern(e.pattern, e.ref), text, allowedBy: allowedBy(text), deniedBy: deniedBy(text) };
  });
  const byHost = new Map<string, NetRule[]>();
  const otherRules: NetRule[] = [];
  for (const r of rules) {
    if (r.pattern.host.kind === 'exact') {
      const list = byHost.get(r.pattern.host.name) ?? [];
      list.push(r);
      byHost.set(r.pattern.host.name, list);
    } else {
      otherRules.push(r);
    }
  }
  return { rules, byHost, otherRules };
}

/** The first rule (in written order) matching the URL, with its description, or undefined. */
export function firstNetRule(list: NetList, url: ParsedUrl, mode: 'allow' | 'deny', address?: IpAddress): NetRule | undefined {
  let best: NetRule | undefined;
  const named = list.byHost.get(url.host);
  if (named !== undefined) {
    for (const r of named) {
      if (netPatternMatches(r.pattern, url, mode, address)) { best = r; break; }
    }
  }
  for (const r of list.otherRules) {
    if (best && r.index > best.index) break;
    if (netPatternMatches(r.pattern, url, mode, address)) { best = r; break; }
  }
  return best;
}

/** Does any allow rule in the list literally name the address for this URL? */
export function netListNamesAddress(list: NetList, url: ParsedUrl, ip: IpAddress): RuleRef | undefined {
  for (const r of list.otherRules) if (netPatternNamesAddress(r.pattern, url, ip)) return r.ref;
  return undefined;
}
