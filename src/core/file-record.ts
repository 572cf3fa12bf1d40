/**
 * The per-file KV record: everything a redirect needs, in one read. The format is binary because
 * KV bills and caches by size and a release tree holds millions of files. See docs/index-format.md.
 *
 *   byte 0      format version (1)
 *   byte 1      flags: bit0 md5, bit1 sha1, bit2 sha256 present; bit3 repository metadata whose
 *               mirror set is its repository's consistent set; bit4 repository metadata that
 *               the origin serves (docs/repositories.md)
 *   varint      size in bytes
 *   varint      mtime, Unix seconds
 *   varint      changed: Unix seconds when the content last changed (the version's birth)
 *   16/20/32    md5, sha1, sha256 digests, in that order, as flagged
 *   varint n    length of the mirror bitset in bytes
 *   n bytes     bit i (byte i>>3, bit i&7) set ⇔ mirror id i holds exactly this version
 *
 * sha512 and piece hashes are not here: only Metalink and checksum files need them, so they live
 * in a second record (the "detail" record) that the redirect never reads.
 */

import { bytesToHex, hexToBytes } from "./bytes.js";
import { readVarint as readVarintOf, writeVarint } from "./varint.js";

const readVarint = (r: { buf: Uint8Array; pos: number }) => readVarintOf(r, "file record");

export interface FileRecord {
  size: number;
  mtime: number;
  changed: number;
  md5?: string;
  sha1?: string;
  sha256?: string;
  /** Ids of the mirrors that hold exactly this version, ascending. */
  mirrors: number[];
  /**
   * Set on a declared repository's metadata. "consistent": `mirrors` holds only mirrors seen with
   * every metadata file of the repository at the origin's version, so they may serve it;
   * "origin": the operator keeps this repository's metadata on the origin. Bound into the record,
   * not the table, so the rule and the mirror set it applies to always arrive together.
   */
  repoMeta?: RepoMeta;
}

export type RepoMeta = "consistent" | "origin";
const REPO_META_BITS: Record<RepoMeta, number> = { consistent: 8, origin: 16 };

/** A record from stored columns, where an unknown hash is NULL rather than absent. */
export function fileRecordOf(r: {
  size: number;
  mtime: number;
  changed: number;
  md5?: string | null;
  sha1?: string | null;
  sha256?: string | null;
  mirrors: number[];
  repoMeta?: RepoMeta | null;
}): FileRecord {
  return {
    size: r.size,
    mtime: r.mtime,
    changed: r.changed,
    ...(r.md5 ? { md5: r.md5 } : {}),
    ...(r.sha1 ? { sha1: r.sha1 } : {}),
    ...(r.sha256 ? { sha256: r.sha256 } : {}),
    mirrors: r.mirrors,
    ...(r.repoMeta ? { repoMeta: r.repoMeta } : {}),
  };
}

export const FILE_RECORD_VERSION = 1;
const HASHES = [
  ["md5", 16, 1],
  ["sha1", 20, 2],
  ["sha256", 32, 4],
] as const;

export function encodeFileRecord(r: FileRecord): Uint8Array {
  const out: number[] = [FILE_RECORD_VERSION, r.repoMeta ? REPO_META_BITS[r.repoMeta] : 0];
  writeVarint(out, r.size);
  writeVarint(out, r.mtime);
  writeVarint(out, r.changed);
  for (const [name, len, bit] of HASHES) {
    const hex = r[name];
    if (hex === undefined) continue;
    const bytes = hexToBytes(hex);
    if (bytes.length !== len) throw new Error(`${name} must be ${len} bytes, got ${bytes.length}`);
    out[1]! |= bit;
    for (const b of bytes) out.push(b);
  }
  const bitset = encodeMirrorSet(r.mirrors);
  writeVarint(out, bitset.length);
  for (const b of bitset) out.push(b);
  return Uint8Array.from(out);
}

export function decodeFileRecord(buf: Uint8Array): FileRecord {
  const reader = { buf, pos: 0 };
  const version = buf[reader.pos++];
  if (version !== FILE_RECORD_VERSION) throw new Error(`unknown file record version ${version}`);
  const flags = buf[reader.pos++]!;
  const size = readVarint(reader);
  const mtime = readVarint(reader);
  const changed = readVarint(reader);
  const rec: FileRecord = { size, mtime, changed, mirrors: [] };
  if (flags & REPO_META_BITS.consistent) rec.repoMeta = "consistent";
  else if (flags & REPO_META_BITS.origin) rec.repoMeta = "origin";
  for (const [name, len, bit] of HASHES) {
    if (!(flags & bit)) continue;
    if (reader.pos + len > buf.length) throw new Error("file record truncated in a hash");
    rec[name] = bytesToHex(buf.subarray(reader.pos, reader.pos + len));
    reader.pos += len;
  }
  const n = readVarint(reader);
  if (reader.pos + n !== buf.length) throw new Error("file record length does not match its mirror set");
  rec.mirrors = decodeMirrorSet(buf.subarray(reader.pos, reader.pos + n));
  return rec;
}

export function encodeMirrorSet(ids: readonly number[]): Uint8Array {
  const out = new Uint8Array(ids.length === 0 ? 0 : (Math.max(...ids) >> 3) + 1);
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0) throw new Error(`bad mirror id ${id}`);
    out[id >> 3]! |= 1 << (id & 7);
  }
  return out;
}

export function decodeMirrorSet(bits: Uint8Array): number[] {
  const ids: number[] = [];
  for (let i = 0; i < bits.length; i++) {
    const b = bits[i]!;
    if (b === 0) continue;
    for (let j = 0; j < 8; j++) if (b & (1 << j)) ids.push(i * 8 + j);
  }
  return ids;
}

/** KV keys are limited to 512 bytes; long paths are keyed by their SHA-256 instead. */
export function fileKey(path: string): Promise<string> {
  return recordKey("f", path);
}

/** Key of the detail record (SHA-512, piece hashes) of a path, as pushes before detail packs wrote it. */
export function detailKey(path: string): Promise<string> {
  return recordKey("d", path);
}

/** The KV key of a directory's detail pack shard (detail-pack.ts); `dir` as for listings. */
export async function packKey(dir: string, shard = 0): Promise<string> {
  const key = await recordKey("p", dir);
  return shard === 0 ? key : `${key}:${shard}`;
}

/** Key of a directory's listing; `dir` is "" for the root or ends in "/". */
/** The KV key of a listing's page (1-based): the first is the listing's own key, as before pages. */
export async function listingKey(dir: string, page = 1): Promise<string> {
  const key = await recordKey("l", dir);
  return page <= 1 ? key : `${key}:${page}`;
}

async function recordKey(kind: "f" | "d" | "l" | "p", path: string): Promise<string> {
  const key = `${kind}:${path}`;
  if (key.length * 3 <= 512 || new TextEncoder().encode(key).length <= 512) return key;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(path));
  return `${kind}#${bytesToHex(new Uint8Array(digest))}`;
}

export const MIRROR_TABLE_KEY = "mirrors";
