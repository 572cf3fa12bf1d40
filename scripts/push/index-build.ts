/**
 * The index as it should be at the edge, from the local state and the config: every origin file
 * with the set of mirrors that hold exactly its current version. A mirror holds a file iff a scan
 * of that mirror that started after the file's content last changed saw it with the same size
 * and (where the listing gives one) the same mtime.
 */

import { type FileRecord, fileRecordOf, type RepoMeta } from "../../src/core/file-record.js";
import type { Mirror } from "../../src/core/mirror.js";
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
  /** A repository metadata file's holders before its repository narrowed them (repositories.ts). */
  claimed?: number[];
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
  /**
   * Set when `files` holds only the paths that may differ from what was pushed (the incremental
   * index, index-state.ts); the plan then reads the rest it needs (directories) from the state.
   */
  scope?: IndexScope;
}

export interface IndexScope {
  /** Paths that left the origin since the last push that landed whole. */
  gone: string[];
  /** How many files the origin has, and per mirror how many of them it holds. */
  fileCount: number;
  held: Map<number, number>;
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
 * A claim is as fresh as the latest good scan that covered its path: a row keeps the scan that
 * first saw its size and mtime (seen_at), and each later scan of the mirror that found it unchanged
 * is only a row in mirror_scans. `scan_cover` holds the start of the latest good scan of each
 * (mirror, subtree); a path's cover is the latest of those whose subtree holds it, and a claim
 * counts from the later of the two (the row's own time is read first: it spares the lookup when
 * recent enough).
 */
export function prepareScanCover(db: StateDb): void {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS scan_cover (mirror_id INTEGER NOT NULL, subtree TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (mirror_id, subtree)) WITHOUT ROWID;
    DELETE FROM temp.scan_cover;
    INSERT INTO temp.scan_cover SELECT mirror_id, subtree, MAX(started_at) FROM mirror_scans WHERE ok = 1 GROUP BY mirror_id, subtree;`);
}

const COVER = `(SELECT max(c.at) FROM temp.scan_cover c WHERE c.mirror_id = m.mirror_id
  AND (c.subtree = '' OR m.path = c.subtree OR substr(m.path, 1, length(c.subtree) + 1) = c.subtree || '/'))`;

/**
 * Per origin path, in path order, the configured mirrors (?3, a JSON array of ids) that hold its
 * current version: the same size, seen by a scan since the content changed and within the claim
 * age (?1), and the mtime within the tolerance (?2) at the listing's resolution: holdsVersion
 * (scan/listing.ts) in SQL, with the floor of a negative mtime taken as Math.floor takes it.
 * `only` narrows it to the paths of a table (the incremental index: push/index-state.ts).
 */
const holdersSql = (only: string | null) => `SELECT m.path AS path, group_concat(m.mirror_id) AS ids
FROM mirror_files m JOIN origin_files o ON o.path = m.path AND o.size = m.size
WHERE m.mirror_id IN (SELECT value FROM json_each(?3)) ${only ? `AND m.path IN (SELECT path FROM ${only})` : ""}
  AND (m.seen_at >= max(o.changed_at, ?1) OR ${COVER} >= max(o.changed_at, ?1))
  AND (m.mtime IS NULL OR abs(m.mtime - (o.mtime - ((o.mtime % max(1, m.mtime_res)) + max(1, m.mtime_res)) % max(1, m.mtime_res)))
       <= ?2 + CASE WHEN m.mtime_res > 1 THEN m.mtime_res ELSE 0 END)
GROUP BY m.path ORDER BY m.path`;

export interface HolderQuery {
  /** Claims whose latest scan started before this are void (scan.max_claim_age_seconds). */
  claimsFrom: number;
  tolerance: number;
  mirrors: readonly number[];
}

/** The holders of every origin path some mirror holds (or of those in table `only`), in path order; call prepareScanCover first. */
export function holderRows(db: StateDb, q: HolderQuery, only: string | null = null): IterableIterator<{ path: string; ids: string }> {
  return (db.prepare(holdersSql(only)).iterate(q.claimsFrom, q.tolerance, JSON.stringify(q.mirrors)) as Iterable<{ path: string; ids: string }>)[
    Symbol.iterator
  ]() as IterableIterator<{ path: string; ids: string }>;
}

export const parseIds = (ids: string): number[] =>
  ids
    .split(",")
    .map(Number)
    .sort((x, y) => x - y);

/**
 * An origin file's columns as the index reads them, from origin_files under `alias` (a select
 * list, not a subquery: SQLite would read a subquery on the right of a LEFT JOIN whole); piece_size
 * only where the pieces exist (the two are written together, and together absent).
 */
export const originColumns = (alias: string) =>
  ["path", "size", "mtime", "changed_at", "md5", "sha1", "sha256", "sha512"].map((c) => `${alias}.${c}`).join(", ") +
  `, CASE WHEN ${alias}.pieces IS NULL THEN NULL ELSE ${alias}.piece_size END AS piece_size`;

export const ORIGIN_COLUMNS = `SELECT ${originColumns("o")} FROM origin_files o`;

export function indexedFileOf(o: StoredFileColumns, mirrors: number[], repoMeta: RepoMeta | null = null): IndexedFile {
  return { path: o.path, record: fileRecordOf({ ...o, changed: o.changed_at, mirrors, repoMeta }), sha512: o.sha512, pieceSize: o.piece_size };
}

/** What every build of the index starts from: the state reconciled with the config, and what the claim rule is given. */
export interface IndexBasis {
  mirrors: Mirror[];
  query: HolderQuery;
  notes: string[];
}

export function indexBasis(db: StateDb, config: Config, now: number): IndexBasis {
  // Scan results of an id that now names another mirror, or of a mirror that left, are not claims.
  const notes = reconcileMirrorState(db, config.mirrors);
  const claimsFrom = now - config.scan.max_claim_age_seconds;
  const latest = db.prepare("SELECT MAX(started_at) AS at FROM mirror_scans WHERE mirror_id = ? AND ok = 1");
  for (const m of config.mirrors) {
    const last = (latest.get(m.id) as { at: number | null }).at;
    if (last !== null && last < claimsFrom)
      notes.push(
        `mirror ${m.name}: no successful scan for ${Math.round((now - last) / 3600)} h (scan.max_claim_age_seconds ${config.scan.max_claim_age_seconds}): it holds nothing until one succeeds`,
      );
  }
  const mirrors = config.mirrors.map(mirrorOf);
  return { mirrors, notes, query: { claimsFrom, tolerance: config.scan.mtime_tolerance_seconds, mirrors: mirrors.map((m) => m.id) } };
}

/** The whole index, every origin file in memory: the first push's, and the oracle the incremental index (index-state.ts) must agree with. */
export function buildIndex(db: StateDb, config: Config, now = Math.floor(Date.now() / 1000)): DesiredIndex {
  return indexFrom(db, config, indexBasis(db, config, now));
}

export function indexFrom(db: StateDb, config: Config, { mirrors, notes, query }: IndexBasis): DesiredIndex {
  const files: IndexedFile[] = [];
  // Both in path order, merged: the holders of each origin file come from SQLite grouped and
  // filtered (holderRows states holdsVersion), not as a row per (mirror, file) into a map of
  // every path.
  prepareScanCover(db);
  const held = holderRows(db, query);
  let next = held.next();
  for (const o of db.prepare(`${ORIGIN_COLUMNS} ORDER BY o.path`).iterate() as Iterable<StoredFileColumns>) {
    let mirrorIds: number[] = [];
    if (!next.done && next.value.path === o.path) {
      mirrorIds = parseIds(next.value.ids);
      next = held.next();
    }
    files.push(indexedFileOf(o, mirrorIds));
  }
  const repositories = applyRepositories(files, config.policy.repositories);
  return { table: { format: 1, policy: config.policy, mirrors }, files, repositories, notes };
}
