/**
 * The health document: the part of the health state the request path needs (up per scheme, lag,
 * families), as one small KV value ("health") beside the mirror table. Probers own it and the push
 * owns the table, so neither overwrites the other; the Worker merges them when it loads the table.
 */

import type { MirrorTable } from "../core/mirror-table.js";
import { upsertMeta } from "../db/sql-literal.js";
import type { Mirror, Scheme } from "../core/mirror.js";
import type { HealthState } from "./state.js";

export const HEALTH_KEY = "health";

export interface MirrorHealthEntry {
  up: Partial<Record<Scheme, boolean>>;
  lag?: number;
  /** Present (false) only when a family probe failed. */
  ipv4?: false;
  ipv6?: false;
}

export interface HealthDoc {
  format: 1;
  /** When the probe round that wrote it ran (Unix seconds). */
  at: number;
  originTrace: number | null;
  mirrors: Record<string, MirrorHealthEntry>;
}

export function healthDocOf(state: HealthState, now: number): HealthDoc {
  const mirrors: Record<string, MirrorHealthEntry> = {};
  const entry = (id: number) => (mirrors[id] ??= { up: {} });
  for (const s of state.schemes) entry(s.mirrorId).up[s.scheme] = s.up;
  for (const h of state.mirrors) {
    const e = entry(h.mirrorId);
    if (h.lagSeconds !== null) e.lag = h.lagSeconds;
    if (h.ipv4Up === false) e.ipv4 = false;
    if (h.ipv6Up === false) e.ipv6 = false;
  }
  return { format: 1, at: now, originTrace: state.originTrace, mirrors };
}

export class HealthDocError extends Error {}

// The stored form (format 2): the entries as three parallel arrays of numbers, which parse at a
// fraction of the cost of an object per mirror (bench/table-load.ts, "after a probe round").
const HTTP_KNOWN = 1;
const HTTP_UP = 2;
const HTTPS_KNOWN = 4;
const HTTPS_UP = 8;
const IPV4_DOWN = 16;
const IPV6_DOWN = 32;

/** The text probers write under HEALTH_KEY. */
export function encodeHealthDoc(doc: HealthDoc): string {
  const ids: number[] = [];
  const flags: number[] = [];
  const lag: number[] = [];
  for (const [id, e] of Object.entries(doc.mirrors)) {
    ids.push(Number(id));
    flags.push(
      (e.up.http === undefined ? 0 : HTTP_KNOWN | (e.up.http ? HTTP_UP : 0)) |
        (e.up.https === undefined ? 0 : HTTPS_KNOWN | (e.up.https ? HTTPS_UP : 0)) |
        (e.ipv4 === false ? IPV4_DOWN : 0) |
        (e.ipv6 === false ? IPV6_DOWN : 0),
    );
    lag.push(e.lag ?? -1);
  }
  return JSON.stringify({ format: 2, at: doc.at, originTrace: doc.originTrace, ids, flags, lag });
}

const isIntArray = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => Number.isInteger(x));

/** Validates at the boundary; a document that fails is ignored (mirrors then count as up), never half-applied. */
export function parseHealthDoc(json: unknown): HealthDoc {
  if (typeof json !== "object" || json === null) throw new HealthDocError("health document is not an object");
  const d = json as Record<string, unknown>;
  const head = { format: 1 as const, at: Number(d.at) || 0, originTrace: typeof d.originTrace === "number" ? d.originTrace : null };
  if (d.format === 2) {
    const ids = d.ids;
    if (!Array.isArray(ids)) throw new HealthDocError("health document (format 2) has no ids array");
    if (!isIntArray(ids, ids.length) || !isIntArray(d.flags, ids.length) || !Array.isArray(d.lag) || d.lag.length !== ids.length)
      throw new HealthDocError("health document (format 2): ids, flags and lag must be arrays of integers of one length");
    const lags = d.lag as unknown[];
    const mirrors: Record<string, MirrorHealthEntry> = {};
    for (let i = 0; i < ids.length; i++) {
      const f = d.flags[i]!;
      const e: MirrorHealthEntry = { up: {} };
      if (f & HTTP_KNOWN) e.up.http = (f & HTTP_UP) !== 0;
      if (f & HTTPS_KNOWN) e.up.https = (f & HTTPS_UP) !== 0;
      const lag = lags[i];
      if (typeof lag === "number" && lag >= 0) e.lag = lag;
      if (f & IPV4_DOWN) e.ipv4 = false;
      if (f & IPV6_DOWN) e.ipv6 = false;
      mirrors[ids[i]!] = e;
    }
    return { ...head, mirrors };
  }
  if (d.format !== 1) throw new HealthDocError(`health document format ${String(d.format)} is not 1 or 2`);
  if (typeof d.mirrors !== "object" || d.mirrors === null) throw new HealthDocError("health document has no mirrors");
  const mirrors: Record<string, MirrorHealthEntry> = {};
  for (const [id, raw] of Object.entries(d.mirrors as Record<string, unknown>)) {
    const e = raw as Record<string, unknown>;
    const up = (e?.up ?? {}) as Record<string, unknown>;
    const clean: MirrorHealthEntry = { up: {} };
    for (const s of ["http", "https"] as const) if (typeof up[s] === "boolean") clean.up[s] = up[s];
    if (typeof e.lag === "number" && e.lag >= 0) clean.lag = e.lag;
    if (e.ipv4 === false) clean.ipv4 = false;
    if (e.ipv6 === false) clean.ipv6 = false;
    mirrors[id] = clean;
  }
  return { ...head, mirrors };
}

/**
 * Whether a document is too old to trust: a cron that stopped (or a CI prober that no longer runs)
 * must not keep its last verdicts standing forever, least of all "down".
 */
export function isStale(doc: HealthDoc, maxAgeSeconds: number, nowSeconds: number): boolean {
  return maxAgeSeconds > 0 && nowSeconds - doc.at > maxAgeSeconds;
}

/**
 * The table with probe results applied: the configuration decides what a mirror may do, probes
 * what it can do now. A stale document is not applied: every mirror counts as its configuration says.
 */
export function applyHealth(table: MirrorTable, doc: HealthDoc | null, nowSeconds = Math.floor(Date.now() / 1000)): MirrorTable {
  if (!doc) return table;
  if (isStale(doc, table.policy.health.verdictMaxAgeSeconds, nowSeconds)) return table;
  return {
    ...table,
    mirrors: table.mirrors.map((m) => {
      const h = doc.mirrors[m.id];
      return h ? mirrorWithHealth(m, h) : m;
    }),
  };
}

/** One mirror with its probe results: probes can take a scheme or a family away, never grant one. */
export function mirrorWithHealth(m: Mirror, h: MirrorHealthEntry): Mirror {
  const out: Mirror = { ...m, up: { ...m.up, ...h.up }, ipv4: m.ipv4 && h.ipv4 !== false, ipv6: m.ipv6 && h.ipv6 !== false };
  if (h.lag !== undefined) out.lagSeconds = h.lag;
  else if (out.lagSeconds !== undefined) delete out.lagSeconds;
  return out;
}

/** The D1 meta row recording the document last written to KV: its verdicts' digest and its time. */
export const HEALTH_DOC_META = "health_doc";

export interface WrittenDoc {
  digest: string;
  at: number;
}

/** The verdicts without the round's time, in a fixed order: equal for two rounds that found the same. */
export async function healthDocDigest(doc: HealthDoc): Promise<string> {
  const lines = [`origin ${doc.originTrace}`];
  // Integer-like keys iterate in ascending order; each entry's fields are named explicitly.
  for (const [id, e] of Object.entries(doc.mirrors)) lines.push(`${id} ${e.up.http} ${e.up.https} ${e.lag} ${e.ipv4} ${e.ipv6}`);
  const hash = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(lines.join("\n")));
  return [...new Uint8Array(hash)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function parseWrittenDoc(value: string | undefined): WrittenDoc | null {
  try {
    const v = value ? JSON.parse(value) : null;
    return v && typeof v.digest === "string" && Number.isFinite(v.at) ? { digest: v.digest, at: v.at } : null;
  } catch {
    return null;
  }
}

/**
 * Whether a round writes the document to KV: when its verdicts changed, or when the copy there
 * reaches a third of the age at which the edge stops applying it (so one slow or failed round does
 * not let it lapse). A steady network then writes KV a few times per `verdictMaxAgeSeconds`, not
 * every round: Workers Free allows 1,000 KV writes a day, and pushes need them.
 */
export function healthDocDue(digest: string, now: number, last: WrittenDoc | null, verdictMaxAgeSeconds: number): boolean {
  if (!last || last.digest !== digest) return true;
  return verdictMaxAgeSeconds > 0 && now - last.at >= verdictMaxAgeSeconds / 3;
}

/** The statement recording a document KV accepted. */
export function writtenDocRecord(digest: string, at: number): string {
  return upsertMeta(HEALTH_DOC_META, JSON.stringify({ digest, at }));
}
