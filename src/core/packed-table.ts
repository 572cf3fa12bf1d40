/**
 * The mirror table as the push stores it in KV (format 2): each mirror one positional array, no
 * key repeated per mirror and the four flags and two families in one number. At 1,000 mirrors that
 * halves the bytes JSON.parse has to walk and lets the edge build each mirror with one object
 * literal instead of copying defaults, which is most of what a table load cost (bench/table-load.ts).
 *
 * Format 1 (one object per mirror) is still read: a table written by an older push keeps serving.
 */

import type { Mirror, Scheme } from "./mirror.js";

/** [id, name, http, https, country, continent, region, lat, lon, asns, prefixes, weight, flags,
 *  extraCountries, allowCountries, denyCountries, maxFileSize, up.http, up.https, lagSeconds] */
export type PackedMirror = [
  number,
  string,
  string | null,
  string | null,
  string,
  string,
  string | null,
  number | null,
  number | null,
  number[],
  string[],
  number,
  number,
  string[],
  string[],
  string[],
  number | null,
  boolean | null,
  boolean | null,
  number | null,
];

export const PACKED_FIELDS = 20;

const COUNTRY_ONLY = 1;
const REGION_ONLY = 2;
const ASN_ONLY = 4;
const PREFIX_ONLY = 8;
const IPV4 = 16;
const IPV6 = 32;
const ENABLED = 64;

// Every field of Mirror must be named here: adding one to the type without packing it fails to compile.
const PACKED: Record<keyof Mirror, true> = {
  id: true,
  name: true,
  urls: true,
  country: true,
  continent: true,
  region: true,
  lat: true,
  lon: true,
  asns: true,
  prefixes: true,
  weight: true,
  countryOnly: true,
  regionOnly: true,
  asnOnly: true,
  prefixOnly: true,
  extraCountries: true,
  allowCountries: true,
  denyCountries: true,
  ipv4: true,
  ipv6: true,
  maxFileSize: true,
  enabled: true,
  up: true,
  lagSeconds: true,
};
void PACKED;

export function packMirror(m: Mirror): PackedMirror {
  const flags =
    (m.countryOnly ? COUNTRY_ONLY : 0) |
    (m.regionOnly ? REGION_ONLY : 0) |
    (m.asnOnly ? ASN_ONLY : 0) |
    (m.prefixOnly ? PREFIX_ONLY : 0) |
    (m.ipv4 ? IPV4 : 0) |
    (m.ipv6 ? IPV6 : 0) |
    (m.enabled ? ENABLED : 0);
  return [
    m.id,
    m.name,
    m.urls.http ?? null,
    m.urls.https ?? null,
    m.country,
    m.continent,
    m.region ?? null,
    m.lat ?? null,
    m.lon ?? null,
    m.asns,
    m.prefixes,
    m.weight,
    flags,
    m.extraCountries,
    m.allowCountries,
    m.denyCountries,
    m.maxFileSize ?? null,
    m.up.http ?? null,
    m.up.https ?? null,
    m.lagSeconds ?? null,
  ];
}

/**
 * The same array as format 3 writes it: the trailing null fields left off and each empty list as 0,
 * which spares the edge's JSON.parse a fifth of its work at 1,000 mirrors (bench/table-load.ts).
 */
export function packMirrorCompact(m: Mirror): unknown[] {
  const p: unknown[] = packMirror(m).map((v) => (Array.isArray(v) && v.length === 0 ? 0 : v));
  while (p[p.length - 1] === null) p.pop();
  return p;
}

/** Fields up to the flags are always written; the rest may be left off (packMirrorCompact). */
const REQUIRED_FIELDS = 13;

const isStr = (v: unknown): v is string => typeof v === "string";
const isNum = (v: unknown): v is number => typeof v === "number";
// A field left off the end (packMirrorCompact) reads as undefined, and means what null does.
const optStr = (v: unknown) => v == null || isStr(v);
const optNum = (v: unknown) => v == null || isNum(v);
const optBool = (v: unknown) => v == null || typeof v === "boolean";
// An empty list is written as 0 by packMirrorCompact; a trailing one may be left off.
const strs = (v: unknown) => v === 0 || v === undefined || (Array.isArray(v) && v.every(isStr));
const nums = (v: unknown) => v === 0 || (Array.isArray(v) && v.every(isNum));
const list = <T>(v: T[] | 0 | undefined): T[] => (v === 0 || v === undefined ? [] : v);

/**
 * Types only: the values' meaning (URLs, codes, ranges) is `mirrorProblems`' job, run on the result.
 * Returns null when the entry is not a packed mirror at all.
 */
export function unpackMirror(raw: unknown): Mirror | null {
  if (!Array.isArray(raw) || raw.length < REQUIRED_FIELDS || raw.length > PACKED_FIELDS) return null;
  const r = raw as PackedMirror;
  if (
    !isNum(r[0]) ||
    !isStr(r[1]) ||
    !optStr(r[2]) ||
    !optStr(r[3]) ||
    !isStr(r[4]) ||
    !isStr(r[5]) ||
    !optStr(r[6]) ||
    !optNum(r[7]) ||
    !optNum(r[8]) ||
    !nums(r[9]) ||
    !strs(r[10]) ||
    !isNum(r[11]) ||
    !isNum(r[12]) ||
    !strs(r[13]) ||
    !strs(r[14]) ||
    !strs(r[15]) ||
    !optNum(r[16]) ||
    !optBool(r[17]) ||
    !optBool(r[18]) ||
    !optNum(r[19])
  )
    return null;
  const flags = r[12];
  const up: Partial<Record<Scheme, boolean>> = {};
  if (r[17] != null) up.http = r[17];
  if (r[18] != null) up.https = r[18];
  const m: Mirror = {
    id: r[0],
    name: r[1],
    urls: {},
    country: r[4],
    continent: r[5],
    asns: list(r[9]),
    prefixes: list(r[10]),
    weight: r[11],
    countryOnly: (flags & COUNTRY_ONLY) !== 0,
    regionOnly: (flags & REGION_ONLY) !== 0,
    asnOnly: (flags & ASN_ONLY) !== 0,
    prefixOnly: (flags & PREFIX_ONLY) !== 0,
    extraCountries: list(r[13]),
    allowCountries: list(r[14]),
    denyCountries: list(r[15]),
    ipv4: (flags & IPV4) !== 0,
    ipv6: (flags & IPV6) !== 0,
    enabled: (flags & ENABLED) !== 0,
    up,
  };
  if (r[2] != null) m.urls.http = r[2];
  if (r[3] != null) m.urls.https = r[3];
  if (r[6] != null) m.region = r[6];
  if (r[7] != null) m.lat = r[7];
  if (r[8] != null) m.lon = r[8];
  if (r[16] != null) m.maxFileSize = r[16];
  if (r[19] != null) m.lagSeconds = r[19];
  return m;
}
