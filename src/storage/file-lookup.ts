import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type FileRecord, decodeFileRecord, fileKey } from "../core/file-record.js";
import { files } from "../db/schema.js";
import { fileRecordFromRow } from "../db/rows.js";
import type { Env } from "../env.js";
import { logOnce } from "./log-once.js";

export type FileLookup =
  | { kind: "found"; record: FileRecord; source: "kv" | "d1" }
  | { kind: "missing" }
  | { kind: "unavailable" };

/** One KV read; D1 only when KV has no record (a fresh push still propagating) or fails. */
export async function lookupFile(env: Env, path: string): Promise<FileLookup> {
  try {
    const buf = await env.INDEX.get(await fileKey(path), "arrayBuffer");
    if (buf) return { kind: "found", record: decodeFileRecord(new Uint8Array(buf)), source: "kv" };
  } catch (err) {
    logOnce("KV file read failed", err);
  }
  try {
    const row = await drizzle(env.DB).select().from(files).where(eq(files.path, path)).get();
    if (row) return { kind: "found", record: fileRecordFromRow(row), source: "d1" };
    return { kind: "missing" };
  } catch (err) {
    logOnce("D1 file read failed", err);
    // Even when KV answered "no such record", it may only lag a fresh push; without D1 to
    // confirm, the origin (which 404s what it lacks) is the honest answer, not our own 404.
    return { kind: "unavailable" };
  }
}
