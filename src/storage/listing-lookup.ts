import { buildListings, type DirListing, isListed, listingPages } from "../core/dir-listing.js";
import { decodeMirrorSet, listingKey } from "../core/file-record.js";
import { toBytes } from "../db/rows.js";
import type { Env } from "../env.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";
import { logOnce } from "./log-once.js";
import { getMirrorTable } from "./mirror-table.js";
import { DEFAULT_RECORD_TTL_MS, RecordCache } from "./record-cache.js";

const listingMisses = new WeakMap<object, RecordCache>();
function listingMissesFor(binding: object): RecordCache {
  let c = listingMisses.get(binding);
  if (!c) listingMisses.set(binding, (c = new RecordCache(DEFAULT_RECORD_TTL_MS)));
  return c;
}

/** `truncated`: built from D1 with the row cap reached, so entries may be missing (never cached). */
export type ListingLookup = { kind: "found"; listing: DirListing; truncated?: number } | { kind: "missing" } | { kind: "unavailable" };

/** Children read from D1 to build one listing when KV has none: bounds the cost of a fallback. */
export const MAX_FALLBACK_ROWS = 20_000;

// Above every path: "0" follows "/" in byte order, and U+10FFFF is the last code point.
const PAST_EVERY_PATH = "\u{10FFFF}";

/**
 * The directory's direct children by a skip scan of the unique index on path: each step seeks the
 * first path past the previous child, jumping over a whole subdirectory at once ("sub0" follows
 * every "sub/…"), so a directory costs one seek per child, not one row per file beneath it. A
 * subdirectory comes back as its first file; char(1) follows a file's own path (no path holds a
 * control character). ?1 the directory, ?2 the end of its range, ?3 the most children read.
 */
const DIRECT_CHILDREN_SQL = `WITH RECURSIVE step(path) AS (
  SELECT (SELECT path FROM files WHERE path >= ?1 AND path < ?2 ORDER BY path LIMIT 1)
  UNION ALL
  SELECT (SELECT f.path FROM files f WHERE f.path >= (CASE WHEN instr(substr(s.path, length(?1) + 1), '/') > 0
      THEN ?1 || substr(s.path, length(?1) + 1, instr(substr(s.path, length(?1) + 1), '/') - 1) || '0'
      ELSE s.path || char(1) END) AND f.path < ?2 ORDER BY f.path LIMIT 1)
  FROM step s WHERE s.path IS NOT NULL LIMIT ?3
)
SELECT f.path, f.size, f.mtime, f.mirrors FROM step s JOIN files f ON f.path = s.path`;

/**
 * A directory's listing: KV, or (with `d1Fallback`) built from D1's files under it. The fallback
 * is for directory pages only; the 404 path asks KV alone, so random paths never cost a D1 query.
 */
export async function lookupListing(env: Env, dir: string, d1Fallback = true, page = 1): Promise<ListingLookup> {
  // The 404 path asks whether a path is a directory: a random path asked again within seconds costs no KV read.
  const misses = listingMissesFor(env.INDEX);
  if (!d1Fallback && page === 1 && misses.isKnownMiss(dir, Date.now())) return { kind: "missing" };
  try {
    const json = await withDeadline(env.INDEX.get<DirListing>(await listingKey(dir, page), "json"), KV_DEADLINE_MS, "KV listing read");
    if (json) return { kind: "found", listing: json };
  } catch (err) {
    logOnce("KV listing read failed", err);
  }
  if (!d1Fallback) {
    misses.setMiss(dir, Date.now());
    return { kind: "missing" };
  }
  try {
    const query = env.DB.prepare(DIRECT_CHILDREN_SQL)
      .bind(dir, dir ? dir.slice(0, -1) + "0" : PAST_EVERY_PATH, MAX_FALLBACK_ROWS)
      .all<{ path: string; size: number; mtime: number; mirrors: ArrayBuffer | Uint8Array | number[] }>();
    const [{ results: rows }, loaded] = await Promise.all([withDeadline(query, D1_DEADLINE_MS, "D1 listing read"), getMirrorTable(env)]);
    // The same rule the push applies to the listings it writes: staged files wait for enough holders.
    // A subdirectory is represented by one of its files, which says nothing about the others: kept.
    const gate = loaded?.table.policy.release;
    const isChildDir = (p: string) => p.indexOf("/", dir.length) >= 0;
    const listed = gate
      ? rows.filter((r) => isChildDir(r.path) || isListed(r.path, decodeMirrorSet(toBytes(r.mirrors)).length, gate.minMirrors, loaded!.table.isStagedPath))
      : rows;
    const whole = buildListings(listed).get(dir);
    // Paged as the push pages it, so page N means the same entries on both paths.
    const listing = whole?.entries.length ? listingPages(whole)[page - 1] : undefined;
    if (!listing) return { kind: "missing" };
    return rows.length >= MAX_FALLBACK_ROWS ? { kind: "found", listing, truncated: MAX_FALLBACK_ROWS } : { kind: "found", listing };
  } catch (err) {
    logOnce("D1 listing read failed", err);
    return { kind: "unavailable" };
  }
}
