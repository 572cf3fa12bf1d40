import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DetailRecord, decodeDetailRecord } from "../core/detail-record.js";
import { detailKey } from "../core/file-record.js";
import { filePieces, files } from "../db/schema.js";
import { toBytes } from "../db/rows.js";
import type { Env } from "../env.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";
import { logOnce } from "./log-once.js";

/** SHA-512 and piece hashes of a file, for Metalinks and .sha512: KV, then D1; null when neither answers. */
export async function lookupDetail(env: Env, path: string): Promise<DetailRecord | null> {
  try {
    const buf = await withDeadline(env.INDEX.get(await detailKey(path), "arrayBuffer"), KV_DEADLINE_MS, "KV detail read");
    if (buf) return decodeDetailRecord(new Uint8Array(buf));
  } catch (err) {
    logOnce("KV detail read failed", err);
  }
  try {
    const query = drizzle(env.DB)
      .select({ sha512: files.sha512, pieceSize: filePieces.pieceSize, hashes: filePieces.hashes })
      .from(files)
      .leftJoin(filePieces, eq(filePieces.fileId, files.id))
      .where(eq(files.path, path))
      .get();
    const row = await withDeadline(query, D1_DEADLINE_MS, "D1 detail read");
    if (!row) return null;
    return {
      ...(row.sha512 ? { sha512: row.sha512 } : {}),
      ...(row.pieceSize && row.hashes ? { pieceSize: row.pieceSize, pieces: toBytes(row.hashes) } : {}),
    };
  } catch (err) {
    logOnce("D1 detail read failed", err);
    return null;
  }
}
