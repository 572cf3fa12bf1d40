/**
 * Where a listing goes while it is read: a temporary table of the state database, filled in
 * batches. A listing of millions of entries never sits in memory, and it replaces what the state
 * knew of the mirror in one transaction only once the scan has succeeded (a failed scan changes
 * nothing). Claims to check are sampled in SQL, without materialising the listing.
 */

import { type StateDb, transaction } from "../state/db.js";
import type { ListingEntry, ListingSink } from "./listing.js";
import type { Claim } from "./verify.js";

const BATCH = 5_000;
/** 6 parameters a row: 100 rows stay far below SQLite's limit of 32,766 parameters. */
const ROWS_PER_INSERT = 100;
let nextScanId = 1;

interface StagedRow {
  path: string;
  size: number;
  mtime: number | null;
  mtime_res: number;
  approx: number;
}

const entryOf = (r: StagedRow): ListingEntry => ({
  path: r.path,
  size: r.size,
  ...(r.mtime !== null ? { mtime: r.mtime } : {}),
  mtimeRes: r.mtime_res,
  ...(r.approx ? { approxSize: true } : {}),
});

export class StagedListing implements ListingSink {
  readonly scanId = nextScanId++;
  private buffer: ListingEntry[] = [];
  /** Entries added, duplicates included: what the listing said, for limits and reports. */
  added = 0;

  constructor(private readonly db: StateDb) {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS scan_staging (
      scan_id INTEGER NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, mtime INTEGER, mtime_res INTEGER NOT NULL, approx INTEGER NOT NULL,
      PRIMARY KEY (scan_id, path)) WITHOUT ROWID`);
  }

  add(e: ListingEntry): void {
    this.buffer.push(e);
    this.added++;
    if (this.buffer.length >= BATCH) this.flush();
  }

  get(path: string): ListingEntry | undefined {
    this.flush();
    const r = this.db.prepare("SELECT path, size, mtime, mtime_res, approx FROM scan_staging WHERE scan_id = ? AND path = ?").get(this.scanId, path) as
      | StagedRow
      | undefined;
    return r && entryOf(r);
  }

  /** Every entry below a directory (a prefix range, served by the primary key). */
  under(dir: string): ListingEntry[] {
    this.flush();
    const rows = this.db
      .prepare("SELECT path, size, mtime, mtime_res, approx FROM scan_staging WHERE scan_id = ? AND path >= ? AND path < ?")
      .all(this.scanId, dir + "/", dir + "0") as unknown as StagedRow[];
    return rows.map(entryOf);
  }

  /** Entries with rounded sizes ("4.0M"), to settle with HEAD. */
  approximate(): ListingEntry[] {
    this.flush();
    return (
      this.db
        .prepare("SELECT path, size, mtime, mtime_res, approx FROM scan_staging WHERE scan_id = ? AND approx = 1")
        .all(this.scanId) as unknown as StagedRow[]
    ).map(entryOf);
  }

  /** Leaves one claim out of the listing before it is committed (its content differs from the origin's). */
  dropClaim(path: string): void {
    this.flush();
    this.db.prepare("DELETE FROM scan_staging WHERE scan_id = ? AND path = ?").run(this.scanId, path);
  }

  /** The exact size of a rounded entry, or null to drop it (it cannot be the origin's file). */
  settle(path: string, exactSize: number | null): void {
    if (exactSize === null) this.db.prepare("DELETE FROM scan_staging WHERE scan_id = ? AND path = ?").run(this.scanId, path);
    else this.db.prepare("UPDATE scan_staging SET size = ?, approx = 0 WHERE scan_id = ? AND path = ?").run(exactSize, this.scanId, path);
  }

  /**
   * Up to `n` claims that would count (the origin has the path at that size): first those the
   * mirror did not hold at its last scan, then a random draw from the rest.
   */
  sampleClaims(mirrorId: number, n: number): Claim[] {
    this.flush();
    if (n <= 0) return [];
    const draw = (fresh: boolean, limit: number) =>
      this.db
        .prepare(
          `SELECT s.path, s.size FROM scan_staging s JOIN origin_files o ON o.path = s.path AND o.size = s.size
           WHERE s.scan_id = ? AND s.approx = 0 AND ${fresh ? "NOT " : ""}EXISTS (SELECT 1 FROM mirror_files m WHERE m.mirror_id = ? AND m.path = s.path AND m.size = s.size)
           ORDER BY random() LIMIT ?`,
        )
        .all(this.scanId, mirrorId, limit) as unknown as Claim[];
    const fresh = draw(true, n);
    return fresh.length < n ? [...fresh, ...draw(false, n - fresh.length)] : fresh;
  }

  /**
   * The listing becomes what the state knows of the mirror inside `subtree` ("" for all). Only the
   * rows that differ are written: a row keeps the scan that first saw its size and mtime, and the
   * scan's record in mirror_scans says when it was last seen, so a rescan that finds the mirror as
   * it was writes nothing and leaves nothing for the next push to recompute.
   */
  commit(mirrorId: number, subtree: string, seenAt: number): number {
    this.flush();
    let stored = 0;
    transaction(this.db, () => {
      const gone = `mirror_id = ? AND NOT EXISTS (SELECT 1 FROM scan_staging s WHERE s.scan_id = ? AND s.approx = 0 AND s.path = mirror_files.path)`;
      if (subtree)
        this.db
          .prepare(`DELETE FROM mirror_files WHERE ${gone} AND (path = ? OR (path >= ? AND path < ?))`)
          .run(mirrorId, this.scanId, subtree, subtree + "/", subtree + "0");
      else this.db.prepare(`DELETE FROM mirror_files WHERE ${gone}`).run(mirrorId, this.scanId);
      // One lookup a row: an unchanged row is left as it is (the upsert's WHERE), not written again.
      this.db
        .prepare(
          `INSERT INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at)
           SELECT ?1, s.path, s.size, s.mtime, s.mtime_res, ?2 FROM scan_staging s WHERE s.scan_id = ?3 AND s.approx = 0
           ON CONFLICT (mirror_id, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, mtime_res = excluded.mtime_res, seen_at = excluded.seen_at
           WHERE mirror_files.size IS NOT excluded.size OR mirror_files.mtime IS NOT excluded.mtime OR mirror_files.mtime_res IS NOT excluded.mtime_res`,
        )
        .run(mirrorId, seenAt, this.scanId);
      stored = (this.db.prepare("SELECT count(*) AS n FROM scan_staging WHERE scan_id = ? AND approx = 0").get(this.scanId) as { n: number }).n;
      this.db.prepare("DELETE FROM scan_staging WHERE scan_id = ?").run(this.scanId);
    });
    return stored;
  }

  discard(): void {
    this.buffer = [];
    this.db.prepare("DELETE FROM scan_staging WHERE scan_id = ?").run(this.scanId);
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    transaction(this.db, () => {
      // Many rows per statement: one call into SQLite per ROWS_PER_INSERT entries, not per entry.
      const many = this.insert(ROWS_PER_INSERT);
      const params: (string | number | null)[] = [];
      let i = 0;
      for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
        params.length = 0;
        for (let j = i; j < i + ROWS_PER_INSERT; j++) this.pushRow(params, rows[j]!);
        many.run(...params);
      }
      const one = this.insert(1);
      for (; i < rows.length; i++) {
        params.length = 0;
        this.pushRow(params, rows[i]!);
        one.run(...params);
      }
    });
  }

  private pushRow(params: (string | number | null)[], e: ListingEntry): void {
    params.push(this.scanId, e.path, e.size, e.mtime ?? null, e.mtimeRes, e.approxSize ? 1 : 0);
  }

  private insert(rows: number) {
    return this.db.prepare(
      `INSERT OR REPLACE INTO scan_staging (scan_id, path, size, mtime, mtime_res, approx) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?)").join(", ")}`,
    );
  }
}
