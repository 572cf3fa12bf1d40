/**
 * The index as it should be at the edge, from the local state and the config: every origin file
 * with the set of mirrors that hold exactly its current version. A mirror holds a file iff a scan
 * of that mirror that started after the file's content last changed saw it with the same size
 * and (where the listing gives one) the same mtime.
 */

import { type FileRecord, fileRecordOf } from "../../src/core/file-record.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import { type Config, mirrorOf } from "../config/schema.js";
import type { StateDb } from "../state/db.js";
import { applyRepositories, type RepositorySummary } from "./repositories.js";
import { reconcileMirrorState } from "../state/mirror-identity.js";

export interface IndexedFile {
  path: string;
  record: FileRecord;
  sha512: string | null;
  /**
   * The piece size when the file has piece hashes. The hashes themselves stay in the state until a
   * push writes this file (`loadPieces`): they follow from the content (SHA-256) and the piece size,
   * so a file whose record is unchanged never needs them, and a no-change push of 10,000 ISOs does
   * not hold 300 MiB of piece hashes.
   */
  pieceSize: number | null;
}

/** The piece hashes of one origin file, for a push that writes it. */
export function loadPieces(db: StateDb, path: string): Uint8Array | null {
  return (db.prepare("SELECT pieces FROM origin_files WHERE path = ?").get(path) as { pieces: Uint8Array | null } | undefined)?.pieces ?? null;
}

export interface DesiredIndex {
  table: Omit<MirrorTable, "generation">;
  files: IndexedFile[];
  /** Declared repositories found on the origin, with their consistent mirrors. */
  repositories?: RepositorySummary[];
  /** What the build dropped and why (identity changes, expired claims), for the push to report. */
  notes?: string[];
}

/** A file's stored columns, as origin_files (local state) and files (D1) both hold them. */
export interface StoredFileColumns {
  path: string;
  size: number;
  mtime: number;
  changed_at: number;
  md5: string | null;
  sha1: string | null;
  sha256: string | null;
  sha512: string | null;
  piece_size: number | null;
}

/**
 * Per origin path, in path order, the configured mirrors (?3, a JSON array of ids) that hold its
 * current version: the same size, seen by a scan since the content changed and within the claim
 * age (?1), and the mtime within the tolerance (?2) at the listing's resolution: holdsVersion
 * (scan/listing.ts) in SQL, with the floor of a negative mtime taken as Math.floor takes it.
 */
export const HOLDERS_SQL = `SELECT m.path AS path, group_concat(m.mirror_id) AS ids
FROM mirror_files m JOIN origin_files o ON o.path = m.path AND o.size = m.size AND m.seen_at >= o.changed_at
WHERE m.seen_at >= ?1 AND m.mirror_id IN (SELECT value FROM json_each(?3))
  AND (m.mtime IS NULL OR abs(m.mtime - (o.mtime - ((o.mtime % max(1, m.mtime_res)) + max(1, m.mtime_res)) % max(1, m.mtime_res)))
       <= ?2 + CASE WHEN m.mtime_res > 1 THEN m.mtime_res ELSE 0 END)
GROUP BY m.path ORDER BY m.path`;

export function buildIndex(db: StateDb, config: Config, now = Math.floor(Date.now() / 1000)): DesiredIndex {
  // Scan results of an id that now names another mirror, or of a mirror that left, are not claims.
  const notes = reconcileMirrorState(db, config.mirrors);
  const mirrors = config.mirrors.map(mirrorOf);
  const ids = new Set(mirrors.map((m) => m.id));
  const tolerance = config.scan.mtime_tolerance_seconds;
  const claimsFrom = now - config.scan.max_claim_age_seconds;
  for (const m of config.mirrors) {
    const last = (db.prepare("SELECT MAX(started_at) AS at FROM mirror_scans WHERE mirror_id = ? AND ok = 1").get(m.id) as { at: number | null }).at;
    if (last !== null && last < claimsFrom)
      notes.push(
        `mirror ${m.name}: no successful scan for ${Math.round((now - last) / 3600)} h (scan.max_claim_age_seconds ${config.scan.max_claim_age_seconds}): it holds nothing until one succeeds`,
      );
  }
  const files: IndexedFile[] = [];
  // Both in path order, merged: the holders of each origin file come from SQLite grouped and
  // filtered (HOLDERS_SQL states holdsVersion), not as a row per (mirror, file) into a map of
  // every path.
  const held = (db.prepare(HOLDERS_SQL).iterate(claimsFrom, tolerance, JSON.stringify([...ids])) as Iterable<{ path: string; ids: string }>)[Symbol.iterator]();
  let next = held.next();
  // piece_size only where the pieces exist: the two are written together, and together absent.
  const query =
    "SELECT path, size, mtime, changed_at, md5, sha1, sha256, sha512, CASE WHEN pieces IS NULL THEN NULL ELSE piece_size END AS piece_size FROM origin_files ORDER BY path";
  for (const o of db.prepare(query).iterate() as Iterable<StoredFileColumns>) {
    let mirrorIds: number[] = [];
    if (!next.done && next.value.path === o.path) {
      mirrorIds = next.value.ids
        .split(",")
        .map(Number)
        .sort((x, y) => x - y);
      next = held.next();
    }
    files.push({
      path: o.path,
      record: fileRecordOf({ ...o, changed: o.changed_at, mirrors: mirrorIds }),
      sha512: o.sha512,
      pieceSize: o.piece_size,
    });
  }
  const repositories = applyRepositories(files, config.policy.repositories);
  return { table: { format: 1, policy: config.policy, mirrors }, files, repositories, notes };
}
