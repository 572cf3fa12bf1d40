/**
 * What a push must write: the difference between the desired index and what was last pushed
 * (recorded in the local state). A rescan that changed nothing yields an empty plan. Given the
 * whole index (the first push, or buildIndex), every file, pack and listing is compared; given
 * the incremental one (index-state.ts, `scope`), only the changed paths and their directories.
 */

import { createHash } from "node:crypto";
import { dirOf } from "../../src/core/path.js";
import { dirFiles } from "./index-dirs.js";
import { planListings, planListingsOf } from "./listing-plan.js";
import { detailKey, encodeFileRecord, fileKey } from "../../src/core/file-record.js";
import { mirrorProblems, mirrorWithDefaults } from "../../src/core/mirror.js";
import { type MirrorTable, encodeMirrorTable } from "../../src/core/mirror-table.js";
import type { StateDb } from "../state/db.js";
import { type PackDelete, type PackPut, planDetailPacks } from "./detail-packs.js";
import { type DesiredIndex, type IndexedFile, loadPieces } from "./index-build.js";
import { lit, upsertMeta } from "../../src/db/sql-literal.js";
import { fileDigest } from "./file-digest.js";
import { deleteFiles, deleteMirrorsExcept, type Statement, upsertFiles, upsertMirror } from "./sql.js";

export interface KvFilePut {
  path: string;
  key: string;
  value: () => Uint8Array;
  digest: string;
}

export interface PushPlan {
  /** The mirror table to publish, when it changed. */
  table: MirrorTable | null;
  /** Published before the file records when mirrors are removed: the removed ones disabled, so nothing is sent there meanwhile. */
  transitionTable: MirrorTable | null;
  /** Whether the push ends with the push stamp: it writes records or listings. */
  stamp: boolean;
  tableDigest: string;
  d1: Statement[];
  /** File records. */
  kvPut: KvFilePut[];
  /**
   * Per path its old detail key (pushed before detail packs), then its record (`main`): the path
   * counts as deleted only once its record is gone. A file that changed has only the old key here.
   */
  kvDelete: { path: string; key: string; main: boolean }[];
  /** Detail packs of directories whose files' details changed, written before the records; those of directories that have none any more. */
  packPut: PackPut[];
  packDelete: PackDelete[];
  /** Listing pages that changed (JSON), and those of directories (or pages) that are gone; `dir` is the page's id (listingPageId). */
  dirPut: { dir: string; key: string; value: string; digest: string }[];
  dirDelete: { dir: string; key: string }[];
  unchanged: number;
  /** Digest of the coverage statistics (files held per mirror, last scans, file count), when they changed. */
  statsDigest: string | null;
  /** How many of the d1 statements are those statistics (the last ones). */
  statsStatements: number;
}

export class EmptyIndexGuard extends Error {}

/** Below this many pushed files the mass-deletion guard stays quiet: small trees lose half their files legitimately. */
export const MASS_DELETE_MIN_FILES = 100;

export interface PlanOptions {
  generation: string;
  /** Allow a push that deletes every file or every mirror. */
  allowEmpty?: boolean;
  /** The largest share (0-1) of the pushed files one push may delete; 0.5 by default. */
  maxDeleteFraction?: number;
}

export async function buildPlan(db: StateDb, desired: DesiredIndex, opts: PlanOptions): Promise<PushPlan> {
  // With a scope, `files` are only the paths that may have changed: what was pushed is asked per path.
  const scope = desired.scope;
  const pushed = new Map<string, string>();
  if (!scope)
    for (const r of db.prepare("SELECT path, digest FROM pushed_files").iterate() as Iterable<{ path: string; digest: string }>) pushed.set(r.path, r.digest);
  const pushedQuery = db.prepare("SELECT digest FROM pushed_files WHERE path = ?");
  const pushedDigest = scope ? (p: string) => (pushedQuery.get(p) as { digest: string } | undefined)?.digest : (p: string) => pushed.get(p);
  const pushedCount = scope ? (db.prepare("SELECT count(*) AS n FROM pushed_files").get() as { n: number }).n : pushed.size;
  const fileCount = scope ? scope.fileCount : desired.files.length;
  // A file pushed before detail packs, whose own detail key is still in KV: asked only of the files that change or go.
  const legacyQuery = db.prepare("SELECT 1 AS yes FROM pushed_files WHERE path = ? AND legacy_detail = 1");
  const hasLegacyDetail = (p: string) => legacyQuery.get(p) !== undefined;
  const prevTable = (db.prepare("SELECT value FROM pushed_meta WHERE key = 'table'").get() as { value: string } | undefined)?.value;
  const prev: Omit<MirrorTable, "generation"> | null = prevTable ? JSON.parse(prevTable) : null;

  // A scan or a config that came back empty must not wipe the edge.
  if (!opts.allowEmpty && fileCount === 0 && pushedCount > 0) {
    throw new EmptyIndexGuard(
      `the origin index is empty but ${pushedCount} files were pushed before; refusing to delete them all (scan origin again, or push --allow-empty)`,
    );
  }
  if (!opts.allowEmpty && desired.table.mirrors.length === 0 && (prev?.mirrors.length ?? 0) > 0) {
    throw new EmptyIndexGuard(`the config lists no mirrors but ${prev!.mirrors.length} were pushed before; refusing to remove them all (push --allow-empty)`);
  }

  const tableDigest = createHash("sha1")
    .update(encodeMirrorTable({ ...desired.table, generation: "" }))
    .digest("hex");
  const tableChanged = (db.prepare("SELECT value FROM pushed_meta WHERE key = 'table_digest'").get() as { value: string } | undefined)?.value !== tableDigest;
  const table: MirrorTable | null = tableChanged ? { ...desired.table, generation: opts.generation } : null;
  const keep = new Set(desired.table.mirrors.map((m) => m.id));
  // The last push's table comes from the state file: a mirror there that is not whole (an older or
  // hand-edited state) cannot be served anyway, and stays out of the transition table.
  const removed = (prev?.mirrors ?? [])
    .filter((m) => typeof m === "object" && m !== null && !keep.has(m.id))
    .map((m) => mirrorWithDefaults(m))
    .filter((m) => mirrorProblems(m).length === 0);
  const transitionTable: MirrorTable | null =
    table && removed.length ? { ...table, mirrors: [...table.mirrors, ...removed.map((m) => ({ ...m, enabled: false }))] } : null;

  const changed: IndexedFile[] = [];
  const kvPut: KvFilePut[] = [];
  let unchanged = 0;
  const seen = new Set<string>();
  for (const f of desired.files) {
    seen.add(f.path);
    const digest = fileDigest(f);
    if (pushedDigest(f.path) === digest) {
      unchanged++;
      continue;
    }
    changed.push(f);
    const record = encodeFileRecord(f.record);
    kvPut.push({ path: f.path, key: await fileKey(f.path), value: () => record, digest });
  }
  const gone = scope ? scope.gone.filter((p) => pushedDigest(p) !== undefined) : [...pushed.keys()].filter((p) => !seen.has(p));
  if (scope) unchanged = fileCount - changed.length;
  // A scan that came back partial (half a tree mounted, a wrong subtree) must not wipe half the edge.
  const maxDelete = opts.maxDeleteFraction ?? 0.5;
  if (!opts.allowEmpty && pushedCount >= MASS_DELETE_MIN_FILES && gone.length > maxDelete * pushedCount) {
    throw new EmptyIndexGuard(
      `this push would delete ${gone.length} of the ${pushedCount} files pushed before (${Math.round((gone.length / pushedCount) * 100)}%), more than --max-delete ${Math.round(maxDelete * 100)}%; refusing (scan origin again, or push --max-delete 100)`,
    );
  }
  // The old detail key of a file that changed is stale (its pack holds the new one); of a file that went, gone with it.
  const kvDelete = (
    await Promise.all([
      ...changed.filter((f) => hasLegacyDetail(f.path)).map(async (f) => [{ path: f.path, key: await detailKey(f.path), main: false }]),
      ...gone.map(async (p) => [
        ...(hasLegacyDetail(p) ? [{ path: p, key: await detailKey(p), main: false }] : []),
        { path: p, key: await fileKey(p), main: true },
      ]),
    ])
  ).flat();
  // The directories where something changed: their packs and listings are planned whole, the rest not at all.
  const dirs = scope ? new Set([...desired.files.map((f) => dirOf(f.path)), ...scope.gone.map(dirOf)]) : null;
  const packs = dirs
    ? await planDetailPacks(
        db,
        [...dirs].flatMap((d) => dirFiles(db, d)),
        dirs,
      )
    : await planDetailPacks(db, desired.files);

  const d1: Statement[] = [];
  if (table) {
    for (const m of table.mirrors) d1.push(upsertMirror(m));
    d1.push(upsertMeta("policy", JSON.stringify(table.policy)), upsertMeta("generation", table.generation));
  }
  d1.push(...upsertFiles(changed, (path) => loadPieces(db, path)), ...deleteFiles(gone));
  // Mirrors leave D1 last, after no file row can still be served by them.
  if (table && removed.length) d1.push(deleteMirrorsExcept([...keep]));
  // Coverage for the status page: one small UPDATE per mirror, only when a number moved.
  const stats = coverageStats(db, desired.table.mirrors, fileCount, scope?.held ?? heldBy(desired.files));
  const statsDigest = createHash("sha1").update(JSON.stringify(stats)).digest("hex");
  const statsChanged = (db.prepare("SELECT value FROM pushed_meta WHERE key = 'stats_digest'").get() as { value: string } | undefined)?.value !== statsDigest;
  const beforeStats = d1.length;
  if (statsChanged) {
    for (const m of stats.mirrors) d1.push(`UPDATE mirrors SET files_held = ${lit(m.filesHeld)}, last_scan_at = ${lit(m.lastScanAt)} WHERE id = ${lit(m.id)};`);
    d1.push(upsertMeta("file_count", String(stats.fileCount)));
  }
  const { dirPut, dirDelete } = dirs ? await planListingsOf(db, dirs) : await planListings(db, desired.table.policy.release, desired.files);
  // A push that writes records or listings ends with the push stamp (core/push-stamp.ts).
  const stamp = kvPut.length + kvDelete.length + dirPut.length + dirDelete.length + packs.put.length + packs.del.length > 0;
  return {
    table,
    stamp,
    transitionTable,
    tableDigest,
    d1,
    kvPut,
    kvDelete,
    packPut: packs.put,
    packDelete: packs.del,
    dirPut,
    dirDelete,
    unchanged,
    statsDigest: statsChanged ? statsDigest : null,
    statsStatements: d1.length - beforeStats,
  };
}

const heldBy = (files: readonly IndexedFile[]) => {
  const held = new Map<number, number>();
  for (const f of files) for (const id of f.record.mirrors) held.set(id, (held.get(id) ?? 0) + 1);
  return held;
};

/** Per mirror: how many current versions it holds and when its last good scan started. */
function coverageStats(db: StateDb, mirrors: readonly { id: number }[], fileCount: number, held: Map<number, number>) {
  const lastScan = new Map<number, number>();
  for (const r of db.prepare("SELECT mirror_id, MAX(started_at) AS at FROM mirror_scans WHERE ok = 1 GROUP BY mirror_id").iterate() as Iterable<{
    mirror_id: number;
    at: number;
  }>) {
    lastScan.set(r.mirror_id, r.at);
  }
  return {
    fileCount,
    mirrors: mirrors.map((m) => ({ id: m.id, filesHeld: held.get(m.id) ?? 0, lastScanAt: lastScan.get(m.id) ?? null })),
  };
}
