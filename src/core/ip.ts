/**
 * IP addresses and CIDR prefixes as byte arrays. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d)
 * count as IPv4: that is the family the client really speaks on the wire to a dual-stack mirror.
 */

export type IpFamily = 4 | 6;
export interface IpAddress {
  family: IpFamily;
  bytes: Uint8Array;
}
export interface Cidr {
  family: IpFamily;
  bytes: Uint8Array;
  bits: number;
}

export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  if (s.includes(":")) {
    const v6 = parseIpv6(s);
    if (!v6) return null;
    const mapped = v6.slice(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff;
    return mapped ? { family: 4, bytes: v6.slice(12) } : { family: 6, bytes: v6 };
  }
  const v4 = parseIpv4(s);
  return v4 ? { family: 4, bytes: v4 } : null;
}

// A character loop rather than split and a regex per part: the edge parses every mirror's prefixes
// on each table load, and this was most of that load's cost (bench/table-load.ts).
function parseIpv4(s: string): Uint8Array | null {
  const out = new Uint8Array(4);
  let part = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46; // the end closes the last part like a '.'
    if (c === 46) {
      if (digits === 0 || part > 3) return null;
      out[part++] = value;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57) {
      // "0" alone, never a leading zero (it would read as octal elsewhere); at most three digits.
      if ((digits === 1 && value === 0) || digits === 3) return null;
      value = value * 10 + (c - 48);
      if (value > 255) return null;
      digits++;
    } else return null;
  }
  return part === 4 ? out : null;
}

function parseIpv6(s: string): Uint8Array | null {
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  let tail4: Uint8Array | null = null;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (!tail4) return null;
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}

export function parseCidr(text: string): Cidr | null {
  const s = text.trim();
  const slash = s.indexOf("/");
  const addr = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = ip.family === 4 ? 32 : 128;
  // A mapped address written with an IPv6 prefix length keeps its meaning in IPv4 terms.
  const mappedShift = ip.family === 4 && addr.includes(":") ? 96 : 0;
  const bits = slash < 0 ? max : prefixLength(s, slash + 1) - mappedShift;
  if (!(bits >= 0 && bits <= max)) return null;
  return { family: ip.family, bytes: ip.bytes, bits };
}

/** One to three decimal digits up to the end of `s`; NaN for anything else (a second '/', a sign, a space). */
function prefixLength(s: string, from: number): number {
  const len = s.length - from;
  if (len < 1 || len > 3) return NaN;
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    n = n * 10 + (c - 48);
  }
  return n;
}

export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  if (cidr.family !== ip.family) return false;
  const full = cidr.bits >> 3;
  for (let i = 0; i < full; i++) if (cidr.bytes[i] !== ip.bytes[i]) return false;
  const rest = cidr.bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (cidr.bytes[full]! & mask) === (ip.bytes[full]! & mask);
}

/** The client's network: the address truncated to `bits`, as text. Used as the stickiness key. */
export function networkOf(ip: IpAddress, bits: number): string {
  let s = `${ip.family}:`;
  for (let i = 0; i < ip.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    s += (i ? "." : "") + (ip.bytes[i]! & ((0xff << (8 - keep)) & 0xff));
  }
  return `${s}/${bits}`;
}
