import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DetailRecord, decodeDetailRecord, matchesVersion } from "../core/detail-record.js";
import type { FileRecord } from "../core/file-record.js";
import { detailKey } from "../core/file-record.js";
import { filePieces, files } from "../db/schema.js";
import { toBytes } from "../db/rows.js";
import type { Env } from "../env.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";
import { logOnce } from "./log-once.js";

/**
 * SHA-512 and piece hashes of the version `file` describes, for Metalinks and .sha512: KV, then
 * D1 (on a KV failure, a detail of another version, or a miss while `d1OnMiss`: a push
 * propagating); null when neither holds that version's. The detail is a second key, so KV may hand back one
 * from another push: it is used only when it names the same version (size and SHA-256), and D1,
 * which may already hold a newer version than the record, is held to the same rule.
 */
export async function lookupDetail(env: Env, path: string, file: FileRecord, opts: { d1OnMiss: boolean } = { d1OnMiss: true }): Promise<DetailRecord | null> {
  try {
    const buf = await withDeadline(env.INDEX.get(await detailKey(path), "arrayBuffer"), KV_DEADLINE_MS, "KV detail read");
    if (buf) {
      const d = decodeDetailRecord(new Uint8Array(buf));
      if (matchesVersion(d, file)) return d;
      // Another version's (a push still propagating): D1 may hold this one's; if not, nothing.
    } else if (!opts.d1OnMiss) {
      // The push writes a detail with every record; none in KV outside a push means the file has none.
      return null;
    }
  } catch (err) {
    logOnce("KV detail read failed", err);
  }
  try {
    const query = drizzle(env.DB)
      .select({
        size: files.size,
        sha256: files.sha256,
        sha512: files.sha512,
        pieceSize: filePieces.pieceSize,
        hashes: filePieces.hashes,
        piecesSha256: filePieces.sha256,
      })
      .from(files)
      .leftJoin(filePieces, eq(filePieces.fileId, files.id))
      .where(eq(files.path, path))
      .get();
    const row = await withDeadline(query, D1_DEADLINE_MS, "D1 detail read");
    if (!row?.sha256) return null;
    const d: DetailRecord = {
      version: { size: row.size, sha256: row.sha256 },
      ...(row.sha512 ? { sha512: row.sha512 } : {}),
      // Pieces written for another version (a push interrupted between the two rows) are left out.
      ...(row.pieceSize && row.hashes && row.piecesSha256 === row.sha256 ? { pieceSize: row.pieceSize, pieces: toBytes(row.hashes) } : {}),
    };
    return matchesVersion(d, file) ? d : null;
  } catch (err) {
    logOnce("D1 detail read failed", err);
    return null;
  }
}
