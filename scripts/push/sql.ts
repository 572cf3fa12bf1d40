/** SQL text for `wrangler d1 execute --file`: literals, not bound parameters (D1 binds at most 100). */

import { encodeMirrorSet } from "../../src/core/file-record.js";
import type { Mirror } from "../../src/core/mirror.js";
import { mirrorToRow } from "../../src/db/rows.js";
import { lit } from "../../src/db/sql-literal.js";
import type { IndexedFile } from "./index-build.js";

const MIRROR_COLUMNS: [string, keyof ReturnType<typeof mirrorToRow>][] = [
  ["id", "id"],
  ["name", "name"],
  ["http_url", "httpUrl"],
  ["https_url", "httpsUrl"],
  ["ftp_url", "ftpUrl"],
  ["rsync_url", "rsyncUrl"],
  ["country", "country"],
  ["continent", "continent"],
  ["region", "region"],
  ["lat", "lat"],
  ["lon", "lon"],
  ["asns", "asns"],
  ["prefixes", "prefixes"],
  ["weight", "weight"],
  ["country_only", "countryOnly"],
  ["region_only", "regionOnly"],
  ["asn_only", "asnOnly"],
  ["prefix_only", "prefixOnly"],
  ["extra_countries", "extraCountries"],
  ["allow_countries", "allowCountries"],
  ["deny_countries", "denyCountries"],
  ["ipv4", "ipv4"],
  ["ipv6", "ipv6"],
  ["max_file_size", "maxFileSize"],
  ["enabled", "enabled"],
];

export function upsertMirror(m: Mirror): string {
  const row = mirrorToRow(m);
  const cols = MIRROR_COLUMNS.map(([c]) => c);
  return `INSERT INTO mirrors (${cols.join(", ")}) VALUES (${MIRROR_COLUMNS.map(([, k]) => lit(row[k])).join(", ")}) ON CONFLICT(id) DO UPDATE SET ${cols
    .slice(1)
    .map((c) => `${c}=excluded.${c}`)
    .join(", ")};`;
}

export function deleteMirrorsExcept(ids: number[]): string {
  return `DELETE FROM mirrors WHERE id NOT IN (${ids.length ? ids.join(", ") : "NULL"});`;
}

/**
 * A statement, or one rendered only when its SQL file is written: a file's piece hashes (up to
 * 64 KiB of hex) are read from the state then, one at a time, never all at once.
 */
export type Statement = string | (() => string);

export const renderStatement = (st: Statement): string => (typeof st === "string" ? st : st());

/** Multi-row upserts, kept well under D1's 100 KB statement limit; piece hashes through `piecesOf`. */
export function upsertFiles(files: IndexedFile[], piecesOf: (path: string) => Uint8Array | null, maxBytes = 60_000): Statement[] {
  const out: Statement[] = [];
  const head = "INSERT INTO files (path, size, mtime, changed_at, md5, sha1, sha256, sha512, mirrors, repo_meta) VALUES ";
  const tail =
    " ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime, changed_at=excluded.changed_at, md5=excluded.md5, sha1=excluded.sha1, sha256=excluded.sha256, sha512=excluded.sha512, mirrors=excluded.mirrors, repo_meta=excluded.repo_meta;";
  let rows: string[] = [];
  let bytes = 0;
  for (const f of files) {
    const r = f.record;
    const row = `(${[lit(f.path), lit(r.size), lit(r.mtime), lit(r.changed), lit(r.md5), lit(r.sha1), lit(r.sha256), lit(f.sha512), lit(encodeMirrorSet(r.mirrors)), lit(r.repoMeta ?? null)].join(", ")})`;
    if (rows.length && bytes + row.length > maxBytes) {
      out.push(head + rows.join(", ") + tail);
      rows = [];
      bytes = 0;
    }
    rows.push(row);
    bytes += row.length + 2;
  }
  if (rows.length) out.push(head + rows.join(", ") + tail);
  for (const f of files) {
    if (f.pieceSize) {
      const pieceSize = f.pieceSize;
      out.push(
        () =>
          `INSERT INTO file_pieces (file_id, piece_size, hashes, sha256) SELECT id, ${lit(pieceSize)}, ${lit(piecesOf(f.path))}, ${lit(f.record.sha256 ?? null)} FROM files WHERE path = ${lit(f.path)} ON CONFLICT(file_id) DO UPDATE SET piece_size=excluded.piece_size, hashes=excluded.hashes, sha256=excluded.sha256;`,
      );
    }
  }
  return out;
}

/** Deletions in statements bounded by bytes (D1 refuses a statement over 100 KB; a path may take 1 KiB and more once quoted). */
export function deleteFiles(paths: string[], maxBytes = 60_000): string[] {
  const out: string[] = [];
  let chunk: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (!chunk.length) return;
    const list = chunk.join(", ");
    out.push(`DELETE FROM file_pieces WHERE file_id IN (SELECT id FROM files WHERE path IN (${list}));`);
    out.push(`DELETE FROM files WHERE path IN (${list});`);
    chunk = [];
    bytes = 0;
  };
  for (const p of paths) {
    const q = lit(p);
    if (chunk.length && bytes + q.length + 2 > maxBytes) flush();
    chunk.push(q);
    bytes += Buffer.byteLength(q) + 2;
  }
  flush();
  return out;
}
