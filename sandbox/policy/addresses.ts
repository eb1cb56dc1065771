// IP address parsing, CIDR containment and the SSRF classification of special-purpose addresses (loopback, private, ...).
import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
}

/** A CIDR range: the network bytes and the prefix length in bits. */
export interface IpRange {
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Parse a literal IPv4 (dotted quad) or IPv6 address, brackets and a `%zone` allowed; undefined if it is not one. */
export function parseIp(text: string): IpAddress | undefined {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (isIPv4(t)) return { family: 4, bytes: Uint8Array.from(t.split('.').map(Number)) };
  if (isIPv6(t)) return { family: 6, bytes: parseIpv6(t) };
  return undefined;
}

function parseIpv6(t: string): Uint8Array {
  // A trailing dotted quad (::ffff:1.2.3.4) stands for the last two groups: rewrite it as hex first.
  const text = t.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const hex = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const split = text.indexOf('::');
  const head = split >= 0 ? hex(text.slice(0, split)) : hex(text);
  const tail = split >= 0 ? hex(text.slice(split + 2)) : [];
  const groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => { bytes[2 * i] = (g >> 8) & 0xff; bytes[2 * i + 1] = g & 0xff; });
  return bytes;
}

/** Parse `10.0.0.0/8`, `[fd00::]/8`, `fd00::/8` or a bare address (a /32 or /128); undefined if malformed. */
export function parseCidr(text: string): IpRange | undefined {
  const slash = text.lastIndexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(addrText);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  if (slash < 0) return { ...ip, prefix: max };
  const prefixText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > max) return undefined;
  return { ...ip, prefix };
}

export function rangeContains(range: IpRange, ip: IpAddress): boolean {
  if (range.family !== ip.family) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((range.bytes[i] ?? 0) & mask) !== ((ip.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':');
}

/**
 * The IPv4 address an IPv6 address carries, for the forms that reach it: IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
 */
export function embeddedIpv4(ip: IpAddress): IpAddress | undefined {
  if (ip.family !== 6) return undefined;
  const b = ip.bytes;
  const zeros = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number): IpAddress => ({ family: 4, bytes: b.slice(at, at + 4) });
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12);
  if (zeros(0, 12) && !zeros(12, 16) && !(zeros(12, 15) && b[15] === 1)) return v4(12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return v4(12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2);
  return undefined;
}

const SPECIAL_RANGES: ReadonlyArray<{ range: IpRange; label: string }> = ([
  ['169.254.169.254/32', 'a cloud metadata address'],
  ['100.100.100.200/32', 'a cloud metadata address'],
  ['fd00:ec2::254/128', 'a cloud metadata address'],
  ['0.0.0.0/8', 'an unspecified address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['10.0.0.0/8', 'a private address'],
  ['172.16.0.0/12', 'a private address'],
  ['192.168.0.0/16', 'a private address'],
  ['169.254.0.0/16', 'a link-local address'],
  ['100.64.0.0/10', 'a carrier-grade NAT address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved or broadcast address'],
  ['::/128', 'an unspecified address'],
  ['::1/128', 'a loopback address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['fc00::/7', 'a unique-local address'],
  ['ff00::/8', 'a multicast address'],
] as const).map(([cidr, label]) => {
  const range = parseCidr(cidr);
  if (!range) throw new Error(`bad built-in range ${cidr}`);
  return { range, label };
});

/** Cloud metadata endpoints hand out credentials: only a rule naming the exact address opens one, never a range. */
export function isCloudMetadata(ip: IpAddress): boolean {
  const inner = embeddedIpv4(ip) ?? ip;
  return SPECIAL_RANGES.slice(0, 3).some((s) => rangeContains(s.range, inner));
}

/** Why an address must not be contacted without a rule naming it (e.g. "a loopback address"), or undefined if public. */
export function specialAddressKind(ip: IpAddress): string | undefined {
  for (const s of SPECIAL_RANGES) if (rangeContains(s.range, ip)) return s.label;
  const inner = embeddedIpv4(ip);
  if (inner) {
    const kind = specialAddressKind(inner);
    if (kind) return `${kind} (as IPv6)`;
  }
  return undefined;
}
