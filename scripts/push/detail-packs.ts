/**
 * Which detail packs (src/core/detail-pack.ts) a push writes and deletes: a directory's shard is
 * written when what its records say changed (a file's name, size, hashes or piece size), not when
 * only the mirrors holding a file did. Deciding reads no piece hashes (they follow from the content
 * and the piece size); a written pack's value is rendered when its bulk is sent.
 */

import { createHash } from "node:crypto";
import { encodeDetailPack, packShardOf, packShards } from "../../src/core/detail-pack.js";
import { encodeDetailRecord } from "../../src/core/detail-record.js";
import { packKey } from "../../src/core/file-record.js";
import { baseName, dirOf } from "../../src/core/path.js";
import type { StateDb } from "../state/db.js";
import { type IndexedFile, loadPieces } from "./index-build.js";

export interface PackPut {
  /** `packId(dir, shard)`, as pushed_packs records it. */
  id: string;
  key: string;
  value: () => Uint8Array;
  digest: string;
}

export interface PackDelete {
  id: string;
  key: string;
}

/** Bumped when a pack's layout changes: every pack is then written once more. */
const PACK_DIGEST_FORMAT = "pack-v1";

export const packId = (dir: string, shard: number) => `${dir}#${shard}`;

export function parsePackId(id: string): { dir: string; shard: number } {
  const at = id.lastIndexOf("#");
  return { dir: id.slice(0, at), shard: Number(id.slice(at + 1)) };
}

/** A detail record names the version it describes: without a SHA-256 there is nothing to bind it to. */
export const hasDetail = (f: IndexedFile): boolean => (f.sha512 !== null || f.pieceSize !== null) && f.record.sha256 !== undefined;

const varintBytes = (n: number) => Math.max(1, Math.ceil(Math.log2(n + 1) / 7));

/** A file's entry in its pack, in bytes, without reading its pieces (they are 32 bytes per piece of the file). */
function entryBytes(f: IndexedFile): number {
  const pieces = f.pieceSize ? varintBytes(f.pieceSize) + 32 * Math.ceil(f.record.size / f.pieceSize) : 0;
  const record = 2 + varintBytes(f.record.size) + 32 + (f.sha512 ? 64 : 0) + pieces;
  const name = Buffer.byteLength(baseName(f.path));
  return varintBytes(name) + name + varintBytes(record) + record;
}

/** The detail record of one file, as its pack holds it. */
export function detailRecordOf(db: StateDb, f: IndexedFile): Uint8Array {
  const pieces = f.pieceSize ? loadPieces(db, f.path) : null;
  return encodeDetailRecord({
    version: { size: f.record.size, sha256: f.record.sha256! },
    ...(f.sha512 ? { sha512: f.sha512 } : {}),
    ...(pieces && f.pieceSize ? { pieceSize: f.pieceSize, pieces } : {}),
  });
}

/**
 * The packs to write and delete for `files`: every file of the tree, or, with `dirs`, every file
 * of those directories only (the others' packs are left as pushed).
 */
export async function planDetailPacks(db: StateDb, files: readonly IndexedFile[], dirs?: ReadonlySet<string>): Promise<{ put: PackPut[]; del: PackDelete[] }> {
  const pushed = new Map<string, string>();
  const rows = dirs
    ? [...dirs].flatMap((dir) =>
        (db.prepare("SELECT id, digest FROM pushed_packs WHERE id > ? AND id < ?").all(`${dir}#`, `${dir}$`) as { id: string; digest: string }[]).filter(
          (r) => parsePackId(r.id).dir === dir,
        ),
      )
    : (db.prepare("SELECT id, digest FROM pushed_packs").all() as { id: string; digest: string }[]);
  for (const r of rows) pushed.set(r.id, r.digest);
  const byDir = new Map<string, IndexedFile[]>();
  for (const f of files) {
    if (!hasDetail(f)) continue;
    const dir = dirOf(f.path);
    const list = byDir.get(dir);
    if (list) list.push(f);
    else byDir.set(dir, [f]);
  }
  const put: PackPut[] = [];
  const current = new Set<string>();
  for (const [dir, dirFiles] of byDir) {
    const shards = packShards(dirFiles.reduce((n, f) => n + entryBytes(f), 0));
    const byShard: IndexedFile[][] = Array.from({ length: shards }, () => []);
    for (const f of dirFiles) byShard[packShardOf(baseName(f.path), shards)]!.push(f);
    for (const [shard, shardFiles] of byShard.entries()) {
      const id = packId(dir, shard);
      current.add(id);
      const h = createHash("sha1").update(`${PACK_DIGEST_FORMAT} ${shards} ${shard}\n`);
      for (const f of shardFiles) h.update(`${baseName(f.path)}\0${f.record.size}\0${f.record.sha256}\0${f.sha512}\0${f.pieceSize}\n`);
      const digest = h.digest("hex");
      if (pushed.get(id) === digest) continue;
      const value = () =>
        encodeDetailPack(
          shards,
          shard,
          shardFiles.map((f) => ({ name: baseName(f.path), record: detailRecordOf(db, f) })),
        );
      put.push({ id, key: await packKey(dir, shard), value, digest });
    }
  }
  const del = await Promise.all(
    [...pushed.keys()]
      .filter((id) => !current.has(id))
      .map(async (id) => {
        const { dir, shard } = parsePackId(id);
        return { id, key: await packKey(dir, shard) };
      }),
  );
  return { put, del };
}
