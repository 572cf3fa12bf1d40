import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { buildListings, type DirListing } from "../core/dir-listing.js";
import { listingKey } from "../core/file-record.js";
import { files } from "../db/schema.js";
import type { Env } from "../env.js";
import { logOnce } from "./log-once.js";

export type ListingLookup = { kind: "found"; listing: DirListing } | { kind: "missing" } | { kind: "unavailable" };

/** A directory's listing: KV, or built from D1's files under it when KV has none. */
export async function lookupListing(env: Env, dir: string): Promise<ListingLookup> {
  try {
    const json = await env.INDEX.get<DirListing>(await listingKey(dir), "json");
    if (json) return { kind: "found", listing: json };
  } catch (err) {
    logOnce("KV listing read failed", err);
  }
  try {
    const rows = await drizzle(env.DB)
      .select({ path: files.path, size: files.size, mtime: files.mtime })
      .from(files)
      .where(sql`${files.path} LIKE ${dir.replace(/[\\%_]/g, (c) => "\\" + c) + "%"} ESCAPE '\\'`)
      .all();
    const listing = buildListings(rows).get(dir);
    return listing && listing.entries.length ? { kind: "found", listing } : { kind: "missing" };
  } catch (err) {
    logOnce("D1 listing read failed", err);
    return { kind: "unavailable" };
  }
}
