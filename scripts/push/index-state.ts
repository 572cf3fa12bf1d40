/**
 * The index a push plans from, kept in the state (index_files) and brought up to date by
 * recomputing only the paths whose inputs changed, so a push costs what changed, not files ×
 * mirrors (docs/scanner.md, "Incremental pushes"). A path's holders follow from its origin row,
 * its mirror rows, the latest good scan covering it, and the claim age; so a path is recomputed
 * when:
 *   - its origin row or one of its mirror rows changed (the triggers of state/db.ts note it);
 *   - a new scan of a mirror covers it and its content changed after the mirror's scan before
 *     (only then can a rescan that changed no row turn a claim true), or the mirror's claims had
 *     expired before;
 *   - the claims of the scan covering it expired since the last refresh;
 *   - a scan record went away (every path of that mirror; a mirror that left or changed meaning
 *     had its rows dropped, which the triggers note).
 * Anything else the index depends on (tolerance, claim age, repositories, release gate, the
 * written format) is its basis: when that changes, or nothing was pushed whole since the last
 * full build, the whole index is built again, as buildIndex builds it. Repository metadata is
 * narrowed again at every refresh (its files are few). A refresh records which paths changed
 * (index_pending), as does any change to a path's pushed record (state/db.ts); the push that
 * lands whole settles them.
 */

import { createHash, randomUUID } from "node:crypto";
import { isListed } from "../../src/core/dir-listing.js";
import { compilePathGlobs } from "../../src/core/policy.js";
import { repositoryMetadataOf } from "../../src/core/repository.js";
import type { Config } from "../config/schema.js";
import { type StateDb, setPushedMeta, transaction } from "../state/db.js";
import { fileDigest, WRITTEN_FORMAT } from "./file-digest.js";
import {
  type DesiredIndex,
  type IndexBasis,
  type IndexedFile,
  originColumns,
  type StoredFileColumns,
  holderRows,
  indexBasis,
  indexFrom,
  indexedFileOf,
  parseIds,
  prepareScanCover,
} from "./index-build.js";
import { applyRepositories } from "./repositories.js";

/** Bumped when the index tables' meaning changes: the next push builds the index whole. */
const INDEX_FORMAT = "index-v1";

interface IndexRow {
  mirrors: string;
  listed: number;
  digest: string;
}

/** Everything but the mirrors and the clock that decides what the index holds. */
function basisKey(config: Config): string {
  return createHash("sha1")
    .update(
      JSON.stringify([
        INDEX_FORMAT,
        WRITTEN_FORMAT,
        config.scan.mtime_tolerance_seconds,
        config.scan.max_claim_age_seconds,
        config.policy.repositories,
        config.policy.release.minMirrors,
        config.policy.release.staged,
      ]),
    )
    .digest("hex");
}

const meta = (db: StateDb, key: string) => (db.prepare("SELECT value FROM index_meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
const setMeta = (db: StateDb, key: string, value: string) =>
  db.prepare("INSERT INTO index_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);

/** The index for the next push: `scope` set when only the paths it names can differ from what was pushed. */
export function refreshIndex(db: StateDb, config: Config, now = Math.floor(Date.now() / 1000)): DesiredIndex {
  // Before anything is read: reconciling drops the rows of an id that changed meaning (the triggers note their paths).
  const basis = indexBasis(db, config, now);
  const key = basisKey(config);
  const claimsFrom = Number(meta(db, "claims_from") ?? Number.NaN);
  if (meta(db, "basis") !== key || meta(db, "full_pending") !== undefined || !(claimsFrom <= basis.query.claimsFrom) || !pushedAsSettled(db))
    return rebuildIndex(db, config, basis, key);
  return transaction(db, () => updateIndex(db, config, basis, claimsFrom));
}

/** Whether the pushed state is the one the index was last settled against: not lost, not rebuilt from D1. */
function pushedAsSettled(db: StateDb): boolean {
  const token = (db.prepare("SELECT value FROM pushed_meta WHERE key = 'index_token'").get() as { value: string } | undefined)?.value;
  return token !== undefined && token === meta(db, "token");
}

/** After a push landed whole: what it planned from is what the edge has. */
export function settleIndex(db: StateDb): void {
  transaction(db, () => {
    db.prepare("DELETE FROM index_pending").run();
    db.prepare("DELETE FROM index_meta WHERE key = 'full_pending'").run();
    const token = randomUUID();
    setMeta(db, "token", token);
    setPushedMeta(db, "index_token", token);
  });
}

const listedBy = (config: Config) => {
  const gate = config.policy.release;
  const staged = compilePathGlobs(gate.staged);
  return (f: IndexedFile) => (isListed(f.path, f.record.mirrors.length, gate.minMirrors, staged) ? 1 : 0);
};

function rebuildIndex(db: StateDb, config: Config, basis: IndexBasis, key: string): DesiredIndex {
  const listed = listedBy(config);
  const repos = config.policy.repositories;
  return transaction(db, () => {
    const desired = indexFrom(db, config, basis);
    db.exec("DELETE FROM index_files; DELETE FROM index_held; DELETE FROM index_pending; DELETE FROM dirty_paths;");
    const put = db.prepare("INSERT INTO index_files (path, mirrors, claimed, repo_unit, listed, digest) VALUES (?, ?, ?, ?, ?, ?)");
    const held = new Map<number, number>();
    for (const f of desired.files) {
      for (const id of f.record.mirrors) held.set(id, (held.get(id) ?? 0) + 1);
      const unit = repos.length ? (repositoryMetadataOf(f.path, repos)?.unit.id ?? null) : null;
      put.run(f.path, f.record.mirrors.join(","), f.claimed?.join(",") ?? null, unit, listed(f), fileDigest(f));
    }
    writeHeld(db, held);
    snapshotCover(db, basis);
    setMeta(db, "basis", key);
    // Until a push lands whole, the next one plans over every file again.
    setMeta(db, "full_pending", "1");
    return desired;
  });
}

function writeHeld(db: StateDb, delta: Map<number, number>): void {
  const st = db.prepare("INSERT INTO index_held (mirror_id, files) VALUES (?, ?) ON CONFLICT(mirror_id) DO UPDATE SET files = files + excluded.files");
  for (const [id, n] of delta) if (n !== 0) st.run(id, n);
}

function snapshotCover(db: StateDb, basis: IndexBasis): void {
  db.exec(
    "DELETE FROM index_cover; INSERT INTO index_cover (mirror_id, subtree, at) SELECT mirror_id, subtree, MAX(started_at) FROM mirror_scans WHERE ok = 1 GROUP BY mirror_id, subtree;",
  );
  setMeta(db, "claims_from", String(basis.query.claimsFrom));
}

/** Paths under a scan's subtree ("" for all), as a condition on `col`; its parameters follow. */
const under = (col: string, subtree: string): [string, string[]] =>
  subtree ? [`(${col} = ? OR (${col} >= ? AND ${col} < ?))`, [subtree, `${subtree}/`, `${subtree}0`]] : ["1", []];

/** Notes in dirty_paths the paths whose holders may have changed without a row changing: new scans, expired claims, forgotten scans. */
function markTimeChanges(db: StateDb, basis: IndexBasis, claimsFromBefore: number): void {
  const claimsFrom = basis.query.claimsFrom;
  const mirrorRows = (id: number, subtree: string) => {
    const [cond, params] = under("path", subtree);
    db.prepare(`INSERT OR IGNORE INTO dirty_paths (path) SELECT path FROM mirror_files WHERE mirror_id = ? AND ${cond}`).run(id, ...params);
  };
  // A mirror that joined or left needs nothing here: reconciling (indexBasis) dropped its rows, and the triggers noted them.

  const cover = (sql: string) =>
    new Map((db.prepare(sql).all() as { mirror_id: number; subtree: string; at: number }[]).map((r) => [`${r.mirror_id}\0${r.subtree}`, r]));
  const old = cover("SELECT mirror_id, subtree, at FROM index_cover");
  const cur = cover("SELECT mirror_id, subtree, MAX(started_at) AS at FROM mirror_scans WHERE ok = 1 GROUP BY mirror_id, subtree");
  for (const k of new Set([...old.keys(), ...cur.keys()])) {
    const o = old.get(k);
    const c = cur.get(k);
    const { mirror_id: id, subtree } = (c ?? o)!;
    if (o && (!c || c.at < o.at)) {
      // A scan record went away (history cleared): the mirror's rows are only as fresh as themselves now.
      mirrorRows(id, "");
      continue;
    }
    if (c && (!o || c.at > o.at)) {
      // A rescan that found a row unchanged turns its claim true only where the content changed after
      // the scan before, or where the mirror's claims had expired.
      if (!o || o.at < claimsFromBefore) mirrorRows(id, subtree);
      else {
        const [cond, params] = under("path", subtree);
        db.prepare(`INSERT OR IGNORE INTO dirty_paths (path) SELECT path FROM origin_files WHERE changed_at > ? AND ${cond}`).run(o.at, ...params);
      }
    }
    // Claims that were valid at the last refresh and have since grown older than the claim age.
    if (o && o.at >= claimsFromBefore && o.at < claimsFrom) mirrorRows(id, subtree);
  }
  // A row no scan record covers (a state written by hand) is as fresh as the row itself.
  for (const id of basis.query.mirrors) {
    if ([...cur.values()].some((c) => c.mirror_id === id)) continue;
    db.prepare("INSERT OR IGNORE INTO dirty_paths (path) SELECT path FROM mirror_files WHERE mirror_id = ? AND seen_at >= ? AND seen_at < ?").run(
      id,
      claimsFromBefore,
      claimsFrom,
    );
  }
}

function updateIndex(db: StateDb, config: Config, basis: IndexBasis, claimsFromBefore: number): DesiredIndex {
  markTimeChanges(db, basis, claimsFromBefore);
  const repos = config.policy.repositories;
  const listed = listedBy(config);
  const held = new Map<number, number>();
  const count = (ids: string, by: number) => {
    if (ids) for (const id of parseIds(ids)) held.set(id, (held.get(id) ?? 0) + by);
  };
  const rowOf = db.prepare("SELECT mirrors, listed, digest FROM index_files WHERE path = ?");
  const pending = db.prepare("INSERT OR IGNORE INTO index_pending (path) VALUES (?)");
  const drop = db.prepare("DELETE FROM index_files WHERE path = ?");
  const put = db.prepare(
    "INSERT INTO index_files (path, mirrors, claimed, repo_unit, listed, digest) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET mirrors = excluded.mirrors, claimed = excluded.claimed, repo_unit = excluded.repo_unit, listed = excluded.listed, digest = excluded.digest",
  );
  const claim = db.prepare(
    "INSERT INTO index_files (path, mirrors, claimed, repo_unit, listed, digest) VALUES (?, '', ?, ?, 0, '') ON CONFLICT(path) DO UPDATE SET claimed = excluded.claimed, repo_unit = excluded.repo_unit",
  );
  /** Writes a path's index row when it changed; the path is then pending for the push. */
  const update = (f: IndexedFile, before: IndexRow | undefined, claimed: string | null, unit: string | null) => {
    const row = { mirrors: f.record.mirrors.join(","), listed: listed(f), digest: fileDigest(f) };
    if (before && before.mirrors === row.mirrors && before.listed === row.listed && before.digest === row.digest) return;
    count(before?.mirrors ?? "", -1);
    count(row.mirrors, 1);
    put.run(f.path, row.mirrors, claimed, unit, row.listed, row.digest);
    pending.run(f.path);
  };

  prepareScanCover(db);
  // Read whole before any row is written: the holders' query reads what the updates write.
  const holders = new Map<string, number[]>();
  for (const r of holderRows(db, basis.query, "dirty_paths")) holders.set(r.path, parseIds(r.ids));
  const work = (
    db
      .prepare(`SELECT d.path AS dirty, ${originColumns("o")} FROM dirty_paths d LEFT JOIN origin_files o ON o.path = d.path`)
      .all() as unknown as (StoredFileColumns & {
      dirty: string;
    })[]
  ).map((r) => ({ path: r.dirty, o: r.path === null ? null : r, ids: holders.get(r.dirty) ?? [] }));
  for (const { path, o, ids } of work) {
    const before = rowOf.get(path) as IndexRow | undefined;
    if (!o) {
      if (before) {
        count(before.mirrors, -1);
        drop.run(path);
        pending.run(path);
      }
      continue;
    }
    const unit = repos.length ? (repositoryMetadataOf(path, repos)?.unit.id ?? null) : null;
    // A repository's metadata is settled below, with the rest of its repository.
    if (unit) claim.run(path, ids.join(","), unit);
    else update(indexedFileOf(o, ids), before, null, null);
  }
  db.exec("DELETE FROM dirty_paths");

  // Repository metadata: narrowed again whole, from each file's own holders.
  const metadata: { f: IndexedFile; before: IndexRow; unit: string }[] = [];
  for (const r of db
    .prepare(
      `SELECT i.mirrors AS i_mirrors, i.listed AS i_listed, i.digest AS i_digest, i.claimed AS i_claimed, i.repo_unit AS i_unit, ${originColumns("o")} FROM index_files i JOIN origin_files o ON o.path = i.path WHERE i.repo_unit IS NOT NULL`,
    )
    .iterate() as Iterable<StoredFileColumns & { i_mirrors: string; i_listed: number; i_digest: string; i_claimed: string | null; i_unit: string }>) {
    metadata.push({
      f: indexedFileOf(r, r.i_claimed ? parseIds(r.i_claimed) : []),
      before: { mirrors: r.i_mirrors, listed: r.i_listed, digest: r.i_digest },
      unit: r.i_unit,
    });
  }
  const repositories = applyRepositories(
    metadata.map((m) => m.f),
    repos,
  );
  for (const m of metadata) update(m.f, m.before, m.f.claimed?.join(",") ?? m.f.record.mirrors.join(","), m.unit);

  writeHeld(db, held);
  snapshotCover(db, basis);
  return { ...scopedIndex(db, config, basis), repositories };
}

/** The index as a push plans from it after an update: only the pending paths, with what the plan needs of the rest. */
function scopedIndex(db: StateDb, config: Config, basis: IndexBasis): DesiredIndex {
  const repos = config.policy.repositories;
  const files: IndexedFile[] = [];
  const gone: string[] = [];
  for (const r of db
    .prepare(
      `SELECT p.path AS pending, i.mirrors AS i_mirrors, i.repo_unit AS i_unit, ${originColumns("o")} FROM index_pending p LEFT JOIN index_files i ON i.path = p.path LEFT JOIN origin_files o ON o.path = p.path ORDER BY p.path`,
    )
    .iterate() as Iterable<StoredFileColumns & { pending: string; i_mirrors: string | null; i_unit: string | null }>) {
    if (r.i_mirrors === null || r.path === null) {
      gone.push(r.pending);
      continue;
    }
    const repoMeta = r.i_unit ? (repositoryMetadataOf(r.path, repos)?.decl.metadata === "origin" ? "origin" : "consistent") : null;
    files.push(indexedFileOf(r, r.i_mirrors ? parseIds(r.i_mirrors) : [], repoMeta));
  }
  const held = new Map(
    (db.prepare("SELECT mirror_id, files FROM index_held").all() as { mirror_id: number; files: number }[]).map((r) => [r.mirror_id, r.files]),
  );
  const fileCount = (db.prepare("SELECT count(*) AS n FROM index_files").get() as { n: number }).n;
  return {
    table: { format: 1, policy: config.policy, mirrors: basis.mirrors },
    files,
    notes: basis.notes,
    scope: { gone, fileCount, held },
  };
}
