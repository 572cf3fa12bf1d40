/**
 * The per-file "detail" KV record: what only Metalinks and checksum files need (SHA-512 and the
 * SHA-256 piece hashes), kept out of the record every redirect reads (see docs/index-format.md).
 *
 *   byte 0    format version (2)
 *   byte 1    flags: bit0 sha512 present, bit1 pieces present
 *   varint    size of the version it describes
 *   32 bytes  SHA-256 of the version it describes
 *   64 bytes  sha512, if flagged
 *   varint    piece size in bytes, if flagged
 *   n × 32    the SHA-256 of each piece, in order, to the end of the record
 *
 * The record names the version it belongs to because it is a second KV key: during a push, after
 * an interrupted one, and per PoP for up to a minute after a clean one, it may come from another
 * push than the main record. A Metalink is built only from parts of one version (`matchesVersion`),
 * without pieces rather than mixed. Version 1 (unbound) records are read as belonging to no version.
 */

import { bytesToHex, hexToBytes } from "./bytes.js";
import { readVarint as readVarintOf, writeVarint as pushVarint } from "./varint.js";

const readVarint = (r: { buf: Uint8Array; pos: number }) => readVarintOf(r, "detail record");

export interface DetailVersion {
  size: number;
  sha256: string;
}

export interface DetailRecord {
  /** The file version it describes; absent in a version-1 record, which then matches nothing. */
  version?: DetailVersion;
  sha512?: string;
  pieceSize?: number;
  /** Concatenated 32-byte SHA-256 digests. */
  pieces?: Uint8Array;
}

/** Whether a detail record describes the same version as a file record (size and SHA-256). */
export function matchesVersion(d: DetailRecord, file: { size: number; sha256?: string | undefined }): boolean {
  return d.version !== undefined && file.sha256 !== undefined && d.version.size === file.size && d.version.sha256 === file.sha256;
}

export function encodeDetailRecord(d: DetailRecord & { version: DetailVersion }): Uint8Array {
  const sha = d.sha512 ? hexToBytes(d.sha512) : null;
  const versionSha = hexToBytes(d.version.sha256);
  if (versionSha.length !== 32) throw new Error(`version sha256 must be 32 bytes, got ${versionSha.length}`);
  if (sha && sha.length !== 64) throw new Error(`sha512 must be 64 bytes, got ${sha.length}`);
  const hasPieces = d.pieces !== undefined && d.pieceSize !== undefined && d.pieces.length > 0;
  if (hasPieces && d.pieces!.length % 32 !== 0) throw new Error("pieces must be whole 32-byte digests");
  const head = [2, (sha ? 1 : 0) | (hasPieces ? 2 : 0)];
  pushVarint(head, d.version.size);
  head.push(...versionSha);
  if (sha) head.push(...sha);
  if (hasPieces) pushVarint(head, d.pieceSize!);
  const out = new Uint8Array(head.length + (hasPieces ? d.pieces!.length : 0));
  out.set(head);
  if (hasPieces) out.set(d.pieces!, head.length);
  return out;
}

export function decodeDetailRecord(buf: Uint8Array): DetailRecord {
  const format = buf[0];
  if (format !== 1 && format !== 2) throw new Error(`unknown detail record version ${format}`);
  const flags = buf[1]!;
  const reader = { buf, pos: 2 };
  const d: DetailRecord = {};
  if (format === 2) {
    const size = readVarint(reader);
    if (buf.length < reader.pos + 32) throw new Error("detail record truncated in its version");
    d.version = { size, sha256: bytesToHex(buf.subarray(reader.pos, reader.pos + 32)) };
    reader.pos += 32;
  }
  let pos = reader.pos;
  if (flags & 1) {
    if (buf.length < pos + 64) throw new Error("detail record truncated in sha512");
    d.sha512 = bytesToHex(buf.subarray(pos, pos + 64));
    pos += 64;
  }
  if (flags & 2) {
    const r = { buf, pos };
    const n = readVarint(r);
    if ((buf.length - r.pos) % 32 !== 0) throw new Error("detail record pieces are not whole digests");
    d.pieceSize = n;
    d.pieces = buf.slice(r.pos);
  }
  return d;
}
