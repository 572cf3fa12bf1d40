/**
 * The per-file "detail" KV record: what only Metalinks and checksum files need (SHA-512 and the
 * SHA-256 piece hashes), kept out of the record every redirect reads (see docs/index-format.md).
 *
 *   byte 0    format version (1)
 *   byte 1    flags: bit0 sha512 present, bit1 pieces present
 *   64 bytes  sha512, if flagged
 *   varint    piece size in bytes, if flagged
 *   n × 32    the SHA-256 of each piece, in order, to the end of the record
 */

import { bytesToHex, hexToBytes } from "./bytes.js";

export interface DetailRecord {
  sha512?: string;
  pieceSize?: number;
  /** Concatenated 32-byte SHA-256 digests. */
  pieces?: Uint8Array;
}

export function encodeDetailRecord(d: DetailRecord): Uint8Array {
  const sha = d.sha512 ? hexToBytes(d.sha512) : null;
  if (sha && sha.length !== 64) throw new Error(`sha512 must be 64 bytes, got ${sha.length}`);
  const hasPieces = d.pieces !== undefined && d.pieceSize !== undefined && d.pieces.length > 0;
  if (hasPieces && d.pieces!.length % 32 !== 0) throw new Error("pieces must be whole 32-byte digests");
  const head = [1, (sha ? 1 : 0) | (hasPieces ? 2 : 0)];
  if (sha) head.push(...sha);
  if (hasPieces) {
    let n = d.pieceSize!;
    while (n >= 0x80) {
      head.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    head.push(n);
  }
  const out = new Uint8Array(head.length + (hasPieces ? d.pieces!.length : 0));
  out.set(head);
  if (hasPieces) out.set(d.pieces!, head.length);
  return out;
}

export function decodeDetailRecord(buf: Uint8Array): DetailRecord {
  if (buf[0] !== 1) throw new Error(`unknown detail record version ${buf[0]}`);
  const flags = buf[1]!;
  let pos = 2;
  const d: DetailRecord = {};
  if (flags & 1) {
    if (buf.length < pos + 64) throw new Error("detail record truncated in sha512");
    d.sha512 = bytesToHex(buf.subarray(pos, pos + 64));
    pos += 64;
  }
  if (flags & 2) {
    let n = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error("detail record truncated in piece size");
      const b = buf[pos++]!;
      n += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
    }
    if ((buf.length - pos) % 32 !== 0) throw new Error("detail record pieces are not whole digests");
    d.pieceSize = n;
    d.pieces = buf.slice(pos);
  }
  return d;
}
