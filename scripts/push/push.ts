/**
 * `mirrorhop push --local | --remote`: writes the plan in an order the Worker can read at any
 * moment (docs/scanner.md, "Push order"):
 *   1. when mirrors leave the config, a KV mirror table with them disabled: no redirect goes
 *      there from now on, whatever else is still old;
 *   2. D1, the source of truth the Worker falls back to (upserts and deletes, safe to repeat);
 *   3. the KV mirror table with every new mirror, before any file record names one;
 *   4. file records (details before the record that points to them), then directory listings,
 *      then the listings of directories that are gone, then the records of files that are gone:
 *      a listing never links a file the edge has no record for;
 *   5. the final mirror table.
 * After each KV step the local state records what landed. A push killed anywhere is re-run as it
 * is: the plan is the difference from what was recorded, so the rest is written and nothing twice.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import type { Config } from "../config/schema.js";
import { type StateDb, transaction } from "../state/db.js";
import { buildIndex } from "./index-build.js";
import { parseMirrorTable } from "../../src/core/mirror-table.js";
import { checkMirrorIds, pushedMirrors, recordRetiredIds } from "./mirror-ids.js";
import { buildPlan, type PushPlan } from "./plan.js";
import { renderStatement } from "./sql.js";
import { d1ExecuteFile, d1MigrationsApply, kvBulkDelete, kvBulkPut, type Target } from "./wrangler-target.js";

export interface PushResult {
  /** Statements for files and mirrors; the coverage statistics are counted apart. */
  d1Statements: number;
  /** Files held per mirror, last scans or the file count changed and were written. */
  statsWritten: boolean;
  /** File records written (their detail records, when any, come with them). */
  kvPut: number;
  kvDetailPut: number;
  kvDelete: number;
  tableWritten: boolean;
  unchanged: number;
  dryRun: boolean;
  planDir?: string;
}

/** Each write step, named for logs and for the fault-injection tests that interrupt a push there. */
export type PushStep = "table:transition" | `d1:${number}` | "table" | `kv-put:${number}` | `dirs-put:${number}` | `dirs-delete:${number}` | `kv-delete:${number}` | "table:final";

export interface PushOptions {
  dryRun?: boolean;
  allowEmpty?: boolean;
  /** The largest share (0-1) of the pushed files one push may delete (plan.ts). */
  maxDeleteFraction?: number;
  log?: (s: string) => void;
  /**
   * Called after each write lands and before the local state records it: the worst moment to be
   * killed. Tests throw here to prove that any interruption leaves the edge consistent.
   */
  afterWrite?: (step: PushStep) => void | Promise<void>;
  /** KV entries per bulk file (wrangler takes up to 10,000). */
  kvBulkMax?: number;
}

const KV_BULK_MAX = 10_000;
const D1_STATEMENTS_PER_FILE = 5_000;

export async function push(db: StateDb, config: Config, target: Target, opts: PushOptions = {}): Promise<PushResult> {
  const log = opts.log ?? (() => {});
  const wrote = opts.afterWrite ?? (() => {});
  const bulkMax = opts.kvBulkMax ?? KV_BULK_MAX;
  // Before the index is built: building it drops the state's rows of an id that changed meaning.
  checkMirrorIds(db, config.mirrors, Math.floor(Date.now() / 1000));
  const index = buildIndex(db, config);
  for (const n of index.notes ?? []) log(n);
  const names = new Map(index.table.mirrors.map((m) => [m.id, m.name]));
  const named = (ids: number[]) => (ids.length ? ids.map((id) => names.get(id) ?? `#${id}`).join(", ") : "none");
  for (const r of index.repositories ?? []) {
    log(`repository ${r.unit.id} (${r.unit.kind}, ${r.files} metadata files, metadata from ${r.metadata === "origin" ? "the origin" : "consistent mirrors"}): consistent: ${named(r.consistent)}${r.partial.length ? `; partial or mid-sync: ${named(r.partial)}` : ""}`);
  }
  // The Worker's validator, strict, before anything is written: the edge should never have to drop a mirror.
  parseMirrorTable({ ...index.table, generation: "" });
  const pushedBefore = pushedMirrors(db);
  const plan = await buildPlan(db, index, { allowEmpty: opts.allowEmpty ?? false, ...(opts.maxDeleteFraction !== undefined ? { maxDeleteFraction: opts.maxDeleteFraction } : {}), generation: new Date().toISOString() });
  const result: PushResult = {
    d1Statements: plan.d1.length - plan.statsStatements,
    statsWritten: plan.statsDigest !== null,
    kvPut: plan.kvPut.filter((p) => p.main).length,
    kvDetailPut: plan.kvPut.filter((p) => !p.main).length,
    kvDelete: new Set(plan.kvDelete.map((d) => d.path)).size,
    tableWritten: plan.table !== null,
    unchanged: plan.unchanged,
    dryRun: opts.dryRun ?? false,
  };
  if (plan.d1.length === 0 && plan.kvPut.length === 0 && plan.kvDelete.length === 0 && plan.dirPut.length === 0 && plan.dirDelete.length === 0 && !plan.table) {
    log(`nothing to push: ${plan.unchanged} files unchanged`);
    return result;
  }
  // mkdtemp: a name nobody can predict and plant a link under before the plan is written there.
  const dir = await mkdtemp(path.join(os.tmpdir(), opts.dryRun ? "mirrorhop-plan-" : "mirrorhop-push-"));
  try {
    const files = await writePlanFiles(plan, dir, bulkMax);
    if (opts.dryRun) {
      log(`dry run: ${plan.d1.length} D1 statements, ${result.kvPut} KV puts, ${result.kvDelete} KV deletes${plan.table ? ", mirror table" : ""}; files in ${dir}`);
      return { ...result, planDir: dir };
    }
    await d1MigrationsApply(target);
    if (files.transitionTable) {
      log("KV: mirror table with removed mirrors disabled");
      await kvBulkPut(target, files.transitionTable);
      await wrote("table:transition");
    }
    log(`D1: ${plan.d1.length} statements in ${files.sql.length} file(s) (${target.kind})`);
    for (const [i, f] of files.sql.entries()) {
      await d1ExecuteFile(target, f.file);
      await wrote(`d1:${i}`);
    }
    if (plan.statsDigest) db.prepare("INSERT INTO pushed_meta (key, value) VALUES ('stats_digest', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(plan.statsDigest);
    if (!files.transitionTable && files.table) {
      log("KV: mirror table");
      await kvBulkPut(target, files.table);
      await wrote("table");
    }
    await chunked(files.kvPut, async (f, chunk, i) => {
      log(`KV: records, bulk ${i + 1} of ${files.kvPut.length} (${chunk.length} entries; ${plan.kvPut.length} in all)`);
      await kvBulkPut(target, f);
      await wrote(`kv-put:${i}`);
      recordEach(db, "INSERT INTO pushed_files (path, digest) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET digest = excluded.digest", chunk.filter((p) => p.main).map((p) => [p.path, p.digest]));
    });
    await chunked(files.dirPut, async (f, chunk, i) => {
      log(`KV: directory listings, bulk ${i + 1} of ${files.dirPut.length} (${chunk.length} of ${plan.dirPut.length})`);
      await kvBulkPut(target, f);
      await wrote(`dirs-put:${i}`);
      recordEach(db, "INSERT INTO pushed_dirs (dir, digest) VALUES (?, ?) ON CONFLICT(dir) DO UPDATE SET digest = excluded.digest", chunk.map((d) => [d.dir, d.digest]));
    });
    await chunked(files.dirDelete, async (f, chunk, i) => {
      log(`KV: deleting ${chunk.length} listings of directories that are gone`);
      await kvBulkDelete(target, f);
      await wrote(`dirs-delete:${i}`);
      recordEach(db, "DELETE FROM pushed_dirs WHERE dir = ?", chunk.map((d) => [d.dir]));
    });
    await chunked(files.kvDelete, async (f, chunk, i) => {
      log(`KV: deleting ${chunk.length} records of files that are gone`);
      await kvBulkDelete(target, f);
      await wrote(`kv-delete:${i}`);
      recordEach(db, "DELETE FROM pushed_files WHERE path = ?", chunk.filter((p) => p.main).map((p) => [p.path]));
    });
    if (files.transitionTable && files.table) {
      log("KV: final mirror table");
      await kvBulkPut(target, files.table);
      await wrote("table:final");
    }
    if (plan.table) {
      transaction(db, () => {
        const st = db.prepare("INSERT INTO pushed_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        const { generation: _g, ...rest } = plan.table!;
        st.run("table", JSON.stringify(rest));
        st.run("table_digest", plan.tableDigest);
        recordRetiredIds(db, pushedBefore, rest.mirrors, Math.floor(Date.now() / 1000));
      });
    }
    log(`pushed: ${result.kvPut} records written, ${result.kvDelete} deleted, ${plan.unchanged} unchanged`);
    return result;
  } finally {
    if (!opts.dryRun) await rm(dir, { recursive: true, force: true });
  }
}

/** Runs one step per bulk file with the part of the plan that file holds. */
async function chunked<T>(bulks: Bulk<T>[], step: (file: string, chunk: T[], i: number) => Promise<void>): Promise<void> {
  for (const [i, b] of bulks.entries()) await step(b.file, b.items, i);
}

function recordEach(db: StateDb, sql: string, rows: string[][]): void {
  transaction(db, () => {
    const st = db.prepare(sql);
    for (const r of rows) st.run(...r);
  });
}

export interface Bulk<T> {
  file: string;
  items: T[];
}

export interface BulkFrame {
  ext: string;
  open: string;
  sep: string;
  close: string;
}

/**
 * Writes items into numbered files of at most `maxCount` entries and `maxBytes` bytes each.
 * Cloudflare's bulk KV API takes 10,000 pairs and under 100 MB per request, and each file is one
 * string in memory while it is written: 16 MiB keeps a first push of thousands of ISOs near
 * 300 MiB (bench/README.md). Items are encoded here, one at a time, so late-rendered values
 * (piece hashes) are read from the state only now.
 */
export async function writeBulks<T>(dir: string, name: string, items: T[], encode: (t: T) => string, frame: BulkFrame, maxCount: number, maxBytes: number): Promise<Bulk<T>[]> {
  const out: Bulk<T>[] = [];
  let parts: string[] = [];
  let chunk: T[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const file = path.join(dir, `${name}-${String(out.length).padStart(4, "0")}${frame.ext}`);
    await writeFile(file, frame.open + parts.join(frame.sep) + frame.close);
    out.push({ file, items: chunk });
    parts = [];
    chunk = [];
    bytes = 0;
  };
  for (const item of items) {
    const part = encode(item);
    if (chunk.length >= maxCount || (chunk.length > 0 && bytes + part.length > maxBytes)) await flush();
    parts.push(part);
    chunk.push(item);
    bytes += part.length + frame.sep.length;
  }
  await flush();
  return out;
}

export const JSON_ARRAY: BulkFrame = { ext: ".json", open: "[", sep: ",", close: "]" };
const SQL_LINES: BulkFrame = { ext: ".sql", open: "", sep: "\n", close: "\n" };
const KV_BULK_MAX_BYTES = 16 * 1024 * 1024;
const D1_FILE_MAX_BYTES = 16 * 1024 * 1024;

async function writePlanFiles(plan: PushPlan, dir: string, bulkMax: number) {
  const tableFile = async (name: string, t: MirrorTable | null) => {
    if (!t) return undefined;
    const f = path.join(dir, name);
    await writeFile(f, JSON.stringify([{ key: MIRROR_TABLE_KEY, value: JSON.stringify(t) }]));
    return f;
  };
  return {
    sql: await writeBulks(dir, "d1", plan.d1, renderStatement, SQL_LINES, D1_STATEMENTS_PER_FILE, D1_FILE_MAX_BYTES),
    table: await tableFile("table.json", plan.table),
    transitionTable: await tableFile("table-transition.json", plan.transitionTable),
    kvPut: await writeBulks(dir, "kv-put", plan.kvPut, (p) => JSON.stringify({ key: p.key, value: Buffer.from(p.value()).toString("base64"), base64: true }), JSON_ARRAY, bulkMax, KV_BULK_MAX_BYTES),
    kvDelete: await writeBulks(dir, "kv-delete", plan.kvDelete, (p) => JSON.stringify(p.key), JSON_ARRAY, bulkMax, KV_BULK_MAX_BYTES),
    dirPut: await writeBulks(dir, "kv-dirs", plan.dirPut, (d) => JSON.stringify({ key: d.key, value: d.value }), JSON_ARRAY, bulkMax, KV_BULK_MAX_BYTES),
    dirDelete: await writeBulks(dir, "kv-dirs-delete", plan.dirDelete, (d) => JSON.stringify(d.key), JSON_ARRAY, bulkMax, KV_BULK_MAX_BYTES),
  };
}
