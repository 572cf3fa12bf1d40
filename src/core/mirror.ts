/**
 * A mirror as the index describes it. The offline side writes these (D1 rows and the KV mirror
 * table); the Worker reads them. Country codes are upper case, continents are Cloudflare's codes.
 */

export type Scheme = "http" | "https";
export const SCHEMES: readonly Scheme[] = ["http", "https"];

/** Tiers from the most specific to the least; a confinement flag names the widest tier a mirror may serve. */
// Own-country mirrors before those that only serve the country as an extra (MirrorBrain's order):
// adding a mirror in a country takes that country's clients, not half of them.
export const TIERS = ["prefix", "asn", "country", "extra-country", "region", "world"] as const;
export type Tier = (typeof TIERS)[number];

/**
 * The URLs clients are sent to. ftp:// and rsync:// URLs are the scanner's business and stay in
 * mirrorhop.toml: they may carry credentials, and the edge never needs them.
 */
export interface MirrorUrls {
  http?: string;
  https?: string;
}

/** The URLs a mirror redirects to, from stored columns where a missing one is NULL or undefined. */
export function mirrorUrls(u: { http?: string | null | undefined; https?: string | null | undefined }): MirrorUrls {
  const urls: MirrorUrls = {};
  if (u.http) urls.http = u.http;
  if (u.https) urls.https = u.https;
  return urls;
}

export interface Mirror {
  /** Small, stable integer: the bit position in every file record's mirror set. */
  id: number;
  name: string;
  urls: MirrorUrls;
  country: string;
  continent: string;
  /** Operator-defined region (a key of policy.regions); overrides the region derived from the country. */
  region?: string;
  lat?: number;
  lon?: number;
  asns: number[];
  prefixes: string[];
  /** Relative share of traffic inside a tier; 0 takes the mirror out of rotation. */
  weight: number;
  countryOnly: boolean;
  regionOnly: boolean;
  asnOnly: boolean;
  prefixOnly: boolean;
  /** Countries this mirror serves as if they were its own (the country tier). */
  extraCountries: string[];
  /** When non-empty, only clients from these countries may be sent here. */
  allowCountries: string[];
  denyCountries: string[];
  ipv4: boolean;
  ipv6: boolean;
  /** Largest file this mirror carries, in bytes; absent means no limit. */
  maxFileSize?: number;
  enabled: boolean;
  /** Probe state per scheme; a scheme without a probe result yet counts as up. */
  up: Partial<Record<Scheme, boolean>>;
  /** How far the mirror's trace file is behind the origin's, in seconds, from the last probe; absent when unknown. */
  lagSeconds?: number;
}

/** The widest tier a mirror may serve, from its confinement flags (the narrowest flag wins). */
export function confinementOf(m: Mirror): Tier {
  if (m.prefixOnly) return "prefix";
  if (m.asnOnly) return "asn";
  // "Its country" includes the countries it serves as extras.
  if (m.countryOnly) return "extra-country";
  if (m.regionOnly) return "region";
  return "world";
}

/** Fills defaults so that callers (tests, config) can describe a mirror by what matters to them. */
export function mirrorWithDefaults(m: Partial<Mirror> & Pick<Mirror, "id" | "name" | "country" | "continent">): Mirror {
  return {
    urls: {},
    asns: [],
    prefixes: [],
    weight: 100,
    countryOnly: false,
    regionOnly: false,
    asnOnly: false,
    prefixOnly: false,
    extraCountries: [],
    allowCountries: [],
    denyCountries: [],
    ipv4: true,
    ipv6: true,
    enabled: true,
    up: {},
    ...m,
  };
}

export const MAX_MIRROR_ID = 65535;

const MIRROR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const CONTINENTS: ReadonlySet<string> = new Set(["AF", "AN", "AS", "EU", "NA", "OC", "SA"]);
const isUpper = (c: number) => c >= 65 && c <= 90;
/** Two upper-case ASCII letters: the shape of an ISO 3166 code. */
export const isCountryCode = (cc: string): boolean => typeof cc === "string" && cc.length === 2 && isUpper(cc.charCodeAt(0)) && isUpper(cc.charCodeAt(1));

/**
 * A URL the WHATWG parser accepts with no credentials, query or fragment and a path ending in '/':
 * a host name whose last label starts with a letter (so it is never read as an IPv4 number), a
 * port below 10,000, path characters from RFC 3986. Anything else takes the full parse below.
 */
export const isPlainMirrorUrl = (url: string): boolean => PLAIN_URL.test(url);
const PLAIN_URL = /^https?:\/\/(?:[A-Za-z0-9-]+\.)*[A-Za-z][A-Za-z0-9-]*(?::[0-9]{1,4})?\/(?:[A-Za-z0-9._~%!$&'()*+,;=:@/-]*\/)?$/;

/** What is wrong with a mirror's client URL for `scheme`, by the WHATWG parser; null when nothing. */
export function mirrorUrlProblem(scheme: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${scheme} URL is not a URL: ${url}`;
  }
  if (parsed.protocol !== `${scheme}:`) return `${scheme} URL must start with ${scheme}://: ${url}`;
  if (!url.endsWith("/")) return `${scheme} URL must end with '/': ${url}`;
  // Said without the URL's user and password: this line goes to logs.
  if (parsed.username || parsed.password)
    return `${scheme} URL must not carry credentials (clients would be sent to them): ${scheme}://***@${parsed.host}${parsed.pathname}`;
  if (parsed.search || parsed.hash) return `${scheme} URL must not carry a query or fragment: ${url}`;
  return null;
}

/** Validation at the boundary: what the table loader and the config loader both enforce. Returns problems, empty when valid. */
export function mirrorProblems(m: Mirror): string[] {
  const p: string[] = [];
  if (!Number.isInteger(m.id) || m.id < 0 || m.id > MAX_MIRROR_ID) p.push(`id must be an integer 0..${MAX_MIRROR_ID}`);
  if (!MIRROR_NAME.test(m.name)) p.push("name must be 1-63 letters, digits, '.', '_' or '-'");
  // for-in, not Object.entries: the edge validates every mirror of a table it has not seen, and
  // the common case must not allocate (bench/table-load.ts).
  for (const scheme in m.urls) {
    const url = m.urls[scheme as Scheme];
    if (url === undefined) continue;
    // The common case, proved without a URL parse.
    if (url.startsWith(scheme === "https" ? "https://" : scheme === "http" ? "http://" : `${scheme}://`) && isPlainMirrorUrl(url)) continue;
    const problem = mirrorUrlProblem(scheme, url);
    if (problem) p.push(problem);
  }
  if (!isCountryCode(m.country)) p.push(`country must be an upper-case ISO 3166 code: ${m.country}`);
  if (!CONTINENTS.has(m.continent)) p.push(`continent must be one of AF AN AS EU NA OC SA: ${m.continent}`);
  if (!(m.weight >= 0 && Number.isFinite(m.weight))) p.push("weight must be a number >= 0");
  for (const asn of m.asns) if (!Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) p.push(`ASN out of range: ${asn}`);
  for (const cc of m.extraCountries) if (!isCountryCode(cc)) p.push(`extraCountries holds a bad country code: ${cc}`);
  for (const cc of m.allowCountries) if (!isCountryCode(cc)) p.push(`allowCountries holds a bad country code: ${cc}`);
  for (const cc of m.denyCountries) if (!isCountryCode(cc)) p.push(`denyCountries holds a bad country code: ${cc}`);
  if (m.lat !== undefined && !(m.lat >= -90 && m.lat <= 90)) p.push(`latitude out of range: ${m.lat}`);
  if (m.lon !== undefined && !(m.lon >= -180 && m.lon <= 180)) p.push(`longitude out of range: ${m.lon}`);
  if (m.maxFileSize !== undefined && !(m.maxFileSize >= 0)) p.push("maxFileSize must be >= 0");
  return p;
}
