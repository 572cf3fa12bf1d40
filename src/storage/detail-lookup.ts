import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type DetailRecord, decodeDetailRecord, matchesVersion } from "../core/detail-record.js";
import type { FileRecord } from "../core/file-record.js";
import { detailKey, packKey } from "../core/file-record.js";
import { findInPack, packShardOf, readPackHeader } from "../core/detail-pack.js";
import { filePieces, files } from "../db/schema.js";
import { toBytes } from "../db/rows.js";
import type { Env } from "../env.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";
import { logOnce } from "./log-once.js";
import { baseName, dirOf } from "../core/path.js";
import { packCacheFor } from "./pack-cache.js";
import { DEFAULT_RECORD_TTL_MS } from "./record-cache.js";

/**
 * SHA-512 and piece hashes of the version `file` describes, for Metalinks and .sha512: from the
 * detail pack of the file's directory in KV (one read, two for a directory split in shards), then
 * D1 (on a KV failure, a detail of another version, packs of two pushes, or a miss while
 * `d1OnMiss`: a push propagating); null when neither holds that version's. The pack is another
 * key than the record, so KV may hand back one from another push: a detail is used only when it
 * names the same version (size and SHA-256), and D1, which may already hold a newer version than
 * the record, is held to the same rule. A directory without a pack is looked up under the file's
 * own detail key, as pushes before packs wrote it.
 */
export async function lookupDetail(env: Env, path: string, file: FileRecord, opts: { d1OnMiss: boolean } = { d1OnMiss: true }): Promise<DetailRecord | null> {
  try {
    const found = await fromKv(env, path);
    if (found.kind === "record") {
      const d = decodeDetailRecord(found.record);
      if (matchesVersion(d, file)) return d;
      // Another version's (a push still propagating): D1 may hold this one's; if not, nothing.
    } else if (found.kind === "none" && !opts.d1OnMiss) {
      // The push packs a detail with every file that has one; none in KV outside a push means the file has none.
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

type KvDetail = { kind: "record"; record: Uint8Array } | { kind: "none" } | { kind: "inconsistent" };

const kvRead = async (env: Env, key: string) => {
  const buf = await withDeadline(env.INDEX.get(key, "arrayBuffer"), KV_DEADLINE_MS, "KV detail read");
  return buf ? new Uint8Array(buf) : null;
};

/** A pack, from this isolate's cache while it is as fresh as a cached record may be. */
async function packRead(env: Env, key: string): Promise<Uint8Array | null> {
  const cache = packCacheFor(env.INDEX, env.FILE_RECORD_TTL_SECONDS !== undefined ? Number(env.FILE_RECORD_TTL_SECONDS) * 1000 : DEFAULT_RECORD_TTL_MS);
  const now = Date.now();
  const hit = cache.get(key, now);
  if (hit) return hit;
  const bytes = await kvRead(env, key);
  if (bytes) cache.set(key, bytes, now);
  return bytes;
}

async function fromKv(env: Env, path: string): Promise<KvDetail> {
  const [dir, name] = [dirOf(path), baseName(path)];
  const head = await packRead(env, await packKey(dir));
  if (!head) {
    const own = await kvRead(env, await detailKey(path));
    return own ? { kind: "record", record: own } : { kind: "none" };
  }
  const { shards } = readPackHeader(head);
  const shard = packShardOf(name, shards);
  const pack = shard === 0 ? head : await packRead(env, await packKey(dir, shard));
  // A shard missing, or written by a push that split the directory otherwise: packs of two pushes.
  if (!pack || readPackHeader(pack).shards !== shards) return { kind: "inconsistent" };
  const record = findInPack(pack, name);
  return record ? { kind: "record", record } : { kind: "none" };
}
