import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type FileRecord, decodeFileRecord, fileKey } from "../core/file-record.js";
import { files } from "../db/schema.js";
import { fileRecordFromRow } from "../db/rows.js";
import type { Env } from "../env.js";
import { logOnce } from "./log-once.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";
import { DEFAULT_RECORD_TTL_MS, recordCacheFor } from "./record-cache.js";

export type FileLookup = { kind: "found"; record: FileRecord; source: "kv" | "d1" } | { kind: "missing" } | { kind: "unavailable" };

export interface LookupOptions {
  /**
   * Ask D1 when KV has no record (a fresh push still propagating). Off, a KV miss is "missing"
   * without a D1 query, so random paths cannot spend the D1 quota; D1 is still asked when KV fails.
   */
  d1OnMiss?: boolean;
}

/** At most one KV read; D1 when KV fails, and on a KV miss only when asked to (`d1OnMiss`). */
export async function lookupFile(env: Env, path: string, now = Date.now(), opts: LookupOptions = { d1OnMiss: true }): Promise<FileLookup> {
  const ttl = env.FILE_RECORD_TTL_SECONDS !== undefined ? Number(env.FILE_RECORD_TTL_SECONDS) * 1000 : DEFAULT_RECORD_TTL_MS;
  const cache = recordCacheFor(env.INDEX, ttl);
  const hit = cache.get(path, now);
  if (hit) return { kind: "found", record: hit.record, source: hit.source };
  const d1OnMiss = opts.d1OnMiss ?? true;
  if (!d1OnMiss && cache.isKnownMiss(path, now)) return { kind: "missing" };
  const found = await readThrough(env, path, d1OnMiss);
  if (found.kind === "found") cache.set(path, found.record, found.source, now);
  // Only KV's own miss is kept (D1 was not asked): the caller decides when a miss needs D1.
  else if (found.kind === "missing" && !d1OnMiss) cache.setMiss(path, now);
  return found;
}

/** The D1 half alone: a KV miss confirmed (or answered) by the source of truth. */
export function lookupFileInD1(env: Env, path: string): Promise<FileLookup> {
  return readD1(env, path);
}

async function readThrough(env: Env, path: string, d1OnMiss: boolean): Promise<FileLookup> {
  try {
    const buf = await withDeadline(env.INDEX.get(await fileKey(path), "arrayBuffer"), KV_DEADLINE_MS, "KV file read");
    if (buf) return { kind: "found", record: decodeFileRecord(new Uint8Array(buf)), source: "kv" };
    if (!d1OnMiss) return { kind: "missing" };
  } catch (err) {
    logOnce("KV file read failed", err);
  }
  return readD1(env, path);
}

async function readD1(env: Env, path: string): Promise<FileLookup> {
  try {
    const row = await withDeadline(drizzle(env.DB).select().from(files).where(eq(files.path, path)).get(), D1_DEADLINE_MS, "D1 file read");
    if (row) return { kind: "found", record: fileRecordFromRow(row), source: "d1" };
    return { kind: "missing" };
  } catch (err) {
    logOnce("D1 file read failed", err);
    // Even when KV answered "no such record", it may only lag a fresh push; without D1 to
    // confirm, the origin (which 404s what it lacks) is the honest answer, not our own 404.
    return { kind: "unavailable" };
  }
}
