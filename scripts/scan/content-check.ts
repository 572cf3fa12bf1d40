/**
 * Same size, other bytes: a file changed in place on the origin, or a regenerated SHA256SUMS of the
 * same length, looks held in every listing. A scan therefore also fetches one random piece of a
 * few sampled claims with a Range GET and compares it with the origin's piece hash. A piece that
 * differs voids that claim (the mirror keeps its others) and is reported; an answer that proves
 * nothing (an error, a server that ignores Range on a large file) voids nothing.
 */

import { createHash, randomInt } from "node:crypto";
import { mapPool } from "../../src/core/pool.js";
import { encodePathForUrl } from "../../src/core/path.js";
import type { Claim } from "./verify.js";

export interface Pieces {
  pieceSize: number;
  /** Concatenated 32-byte SHA-256 digests. */
  pieces: Uint8Array;
}

export interface ContentMismatch {
  path: string;
  url: string;
  piece: number;
}

export interface ContentCheck {
  checked: number;
  mismatches: ContentMismatch[];
  inconclusive: number;
}

/** GET bytes [start, end] of a URL; null when the answer proves nothing. */
export type RangeGet = (url: string, start: number, end: number, signal: AbortSignal) => Promise<Uint8Array | null>;

export const rangeGet: RangeGet = async (url, start, end, signal) => {
  try {
    const res = await fetch(url, { signal, redirect: "follow", headers: { Range: `bytes=${start}-${end}`, "User-Agent": "mirrorhop-scanner" } });
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status === 206) return body;
    // A server that ignores Range sends the whole file: usable only when it is the piece.
    if (res.status === 200 && start === 0 && body.length === end + 1) return body;
    return null;
  } catch {
    return null;
  }
};

export async function checkContent(
  baseUrl: string,
  sample: readonly Claim[],
  piecesOf: (path: string) => Pieces | null,
  max: number,
  signal: AbortSignal,
  get: RangeGet = rangeGet,
  pick: (n: number) => number = (n) => randomInt(n),
): Promise<ContentCheck> {
  const targets = sample
    .map((c) => ({ c, p: piecesOf(c.path) }))
    .filter((t): t is { c: Claim; p: Pieces } => t.p !== null && t.p.pieces.length >= 32 && t.c.size > 0)
    .slice(0, max);
  const out: ContentCheck = { checked: targets.length, mismatches: [], inconclusive: 0 };
  await mapPool(targets, 2, async ({ c, p }) => {
    const n = p.pieces.length / 32;
    const i = pick(n);
    const start = i * p.pieceSize;
    const end = Math.min(c.size, start + p.pieceSize) - 1;
    const url = baseUrl + encodePathForUrl(c.path);
    const body = await get(url, start, end, signal);
    if (!body || body.length !== end - start + 1) {
      out.inconclusive++;
      return;
    }
    const digest = createHash("sha256").update(body).digest();
    if (!digest.equals(Buffer.from(p.pieces.subarray(i * 32, i * 32 + 32)))) out.mismatches.push({ path: c.path, url, piece: i });
  });
  return out;
}
