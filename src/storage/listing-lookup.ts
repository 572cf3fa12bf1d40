import { and, gte, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { buildListings, type DirListing, isListed } from "../core/dir-listing.js";
import { decodeMirrorSet, listingKey } from "../core/file-record.js";
import { files } from "../db/schema.js";
import type { Env } from "../env.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";
import { logOnce } from "./log-once.js";
import { getMirrorTable } from "./mirror-table.js";

/** `truncated`: built from D1 with the row cap reached, so entries may be missing (never cached). */
export type ListingLookup = { kind: "found"; listing: DirListing; truncated?: number } | { kind: "missing" } | { kind: "unavailable" };

/** Files read from D1 to build one listing when KV has none: bounds the cost of a fallback. */
export const MAX_FALLBACK_ROWS = 20_000;

/**
 * A directory's listing: KV, or (with `d1Fallback`) built from D1's files under it. The fallback
 * is for directory pages only; the 404 path asks KV alone, so random paths never cost a D1 query.
 */
export async function lookupListing(env: Env, dir: string, d1Fallback = true): Promise<ListingLookup> {
  try {
    const json = await withDeadline(env.INDEX.get<DirListing>(await listingKey(dir), "json"), KV_DEADLINE_MS, "KV listing read");
    if (json) return { kind: "found", listing: json };
  } catch (err) {
    logOnce("KV listing read failed", err);
  }
  if (!d1Fallback) return { kind: "missing" };
  try {
    const query = drizzle(env.DB)
      .select({ path: files.path, size: files.size, mtime: files.mtime, mirrors: files.mirrors })
      .from(files)
      // A range, not LIKE: SQLite serves it from the unique index on path. "0" follows "/" in byte order.
      .where(dir ? and(gte(files.path, dir), lt(files.path, dir.slice(0, -1) + "0")) : sql`1`)
      .limit(MAX_FALLBACK_ROWS)
      .all();
    const [rows, loaded] = await Promise.all([withDeadline(query, D1_DEADLINE_MS, "D1 listing read"), getMirrorTable(env)]);
    // The same rule the push applies to the listings it writes: staged files wait for enough holders.
    const gate = loaded?.table.policy.release;
    const listed = gate ? rows.filter((r) => isListed(r.path, decodeMirrorSet(r.mirrors).length, gate.minMirrors, loaded!.table.isStagedPath)) : rows;
    const listing = buildListings(listed).get(dir);
    if (!listing || !listing.entries.length) return { kind: "missing" };
    return rows.length >= MAX_FALLBACK_ROWS ? { kind: "found", listing, truncated: MAX_FALLBACK_ROWS } : { kind: "found", listing };
  } catch (err) {
    logOnce("D1 listing read failed", err);
    return { kind: "unavailable" };
  }
}
