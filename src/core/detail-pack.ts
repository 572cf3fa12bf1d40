/**
 * Detail packs: the detail records (detail-record.ts) of one directory's files in a few KV values
 * instead of one value per file. Only Metalinks, `.sha512` and mirror lists read details, so a
 * first push of a million files writes a thousand packs beside its million records, not a second
 * million keys; a push rewrites the packs of the directories whose files changed.
 *
 * A directory's details are split into `shards` values of about PACK_TARGET_BYTES each; a file's
 * shard follows from its name. Shard 0 is the directory's pack key, shard k that key + `:k`.
 *
 *   byte 0    pack format (1)
 *   varint    shards: how many values this directory's details are split into
 *   varint    this value's shard
 *   entries:  varint name length (UTF-8 bytes), the name, varint record length, the detail record
 *
 * Every value says how many shards its push made: a reader that finds shard k of another push (KV
 * is eventually consistent per key) sees the disagreement instead of a missing file. Each record
 * names its file's version, as before packs.
 */

import { readVarint as readVarintOf, writeVarint } from "./varint.js";

export const PACK_FORMAT = 1;
/** Small enough that a Metalink reads little more than it needs; large enough that a typical directory is one value. */
export const PACK_TARGET_BYTES = 128 * 1024;

const readVarint = (r: { buf: Uint8Array; pos: number }) => readVarintOf(r, "detail pack");
const utf8 = new TextEncoder();

/** FNV-1a over the name's UTF-16 code units: the same in the push and the Worker. */
export function packShardOf(name: string, shards: number): number {
  if (shards <= 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/** How many values a directory's details take, from the records' total size. */
export function packShards(totalBytes: number): number {
  return Math.max(1, Math.ceil(totalBytes / PACK_TARGET_BYTES));
}

export function encodeDetailPack(shards: number, shard: number, entries: { name: string; record: Uint8Array }[]): Uint8Array {
  const out: number[] = [PACK_FORMAT];
  writeVarint(out, shards);
  writeVarint(out, shard);
  const parts: Uint8Array[] = [Uint8Array.from(out)];
  let length = parts[0]!.length;
  for (const e of entries) {
    const name = utf8.encode(e.name);
    const head: number[] = [];
    writeVarint(head, name.length);
    const mid: number[] = [];
    writeVarint(mid, e.record.length);
    for (const p of [Uint8Array.from(head), name, Uint8Array.from(mid), e.record]) {
      parts.push(p);
      length += p.length;
    }
  }
  const buf = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return buf;
}

export interface PackHeader {
  shards: number;
  shard: number;
}

export function readPackHeader(buf: Uint8Array): PackHeader & { pos: number } {
  if (buf[0] !== PACK_FORMAT) throw new Error(`unknown detail pack format ${buf[0]}`);
  const r = { buf, pos: 1 };
  const shards = readVarint(r);
  const shard = readVarint(r);
  if (shards < 1 || shard >= shards) throw new Error(`detail pack says shard ${shard} of ${shards}`);
  return { shards, shard, pos: r.pos };
}

/** The detail record stored for `name`, or null when the pack holds none. Throws on a malformed pack. */
export function findInPack(buf: Uint8Array, name: string): Uint8Array | null {
  const want = utf8.encode(name);
  const r = { buf, pos: readPackHeader(buf).pos };
  while (r.pos < buf.length) {
    const nameLength = readVarint(r);
    const nameAt = r.pos;
    r.pos += nameLength;
    const recordLength = readVarint(r);
    const recordAt = r.pos;
    r.pos += recordLength;
    if (r.pos > buf.length) throw new Error("detail pack truncated");
    if (nameLength === want.length && sameBytes(buf, nameAt, want)) return buf.subarray(recordAt, recordAt + recordLength);
  }
  return null;
}

function sameBytes(buf: Uint8Array, at: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

/** A directory's packs from its entries, by the same split the push makes (it sizes entries before reading their pieces). */
export function packDirectory(entries: { name: string; record: Uint8Array }[]): Uint8Array[] {
  const shards = packShards(entries.reduce((n, e) => n + e.name.length + e.record.length + 4, 0));
  const byShard: { name: string; record: Uint8Array }[][] = Array.from({ length: shards }, () => []);
  for (const e of entries) byShard[packShardOf(e.name, shards)]!.push(e);
  return byShard.map((list, shard) => encodeDetailPack(shards, shard, list));
}
