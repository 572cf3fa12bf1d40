/**
 * `mirrorhop push --local | --remote`: writes the plan in an order the Worker can read at any
 * moment (docs/scanner.md, "Push order"):
 *   1. when mirrors leave the config, a KV mirror table with them disabled: no redirect goes
 *      there from now on, whatever else is still old;
 *   2. D1, the source of truth the Worker falls back to (upserts and deletes, safe to repeat);
 *   3. the KV mirror table with every new mirror, before any file record names one;
 *   4. the detail packs of directories whose details changed, then file records, then directory
 *      listings, then the listings of directories that are gone, then the records of files that
 *      are gone, then the packs of directories with no details left: a listing never links a file
 *      the edge has no record for;
 *   5. the final mirror table; then, when records or listings were written, the push stamp, which
 *      tells the edge they may still be propagating (src/core/push-stamp.ts).
 * After each KV step the local state records what landed. A push killed anywhere is re-run as it
 * is: the plan is the difference from what was recorded, so the rest is written and nothing twice.
 * The order is the same for both targets (store/): the local state through Miniflare's bindings,
 * Cloudflare through its API. Bulks of one KV step may land in any order and in parallel: real KV
 * is eventually consistent per key anyway, so the Worker checks that what it reads from two keys
 * belongs together (a detail record names its version), never that one key landed first.
 */

import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import { type PushStamp, PUSH_STAMP_KEY } from "../../src/core/push-stamp.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import { encodeMirrorTable, parseMirrorTable } from "../../src/core/mirror-table.js";
import type { Config } from "../config/schema.js";
import { type StateDb, setPushedMeta, transaction } from "../state/db.js";
import type { IndexStore, KvEntry, StoreLimits } from "../store/store.js";
import { withStore } from "../store/store.js";
import type { Target } from "../store/target.js";
import { bulksOf, eachBulk, JSON_ARRAY, SQL_LINES, writeBulks } from "./bulks.js";
import { refreshIndex, settleIndex } from "./index-state.js";
import { checkMirrorIds, pushedMirrors, recordRetiredIds } from "./mirror-ids.js";
import { buildPlan, type PushPlan } from "./plan.js";
import { costLines, type PushCost, pushCost } from "./plan-cost.js";
import { renderStatement } from "./sql.js";

export interface PushResult {
  /** Statements for files and mirrors; the coverage statistics are counted apart. */
  d1Statements: number;
  /** Files held per mirror, last scans or the file count changed and were written. */
  statsWritten: boolean;
  /** File records written. */
  kvPut: number;
  /** Detail packs written (src/core/detail-pack.ts): per directory whose files' details changed, not per file. */
  kvDetailPut: number;
  kvDelete: number;
  tableWritten: boolean;
  unchanged: number;
  dryRun: boolean;
  planDir?: string;
  /** After a dry run: records its plan as if it had landed, for benchmarks that plan the push after it without a store. */
  markLanded?: () => void;
  /** What the push spends of the platform's quotas (writes and deletes of KV keys, D1 statements). */
  cost: PushCost;
}

/** Each write step, named for logs and for the fault-injection tests that interrupt a push there. */
export type PushStep =
  | "table:transition"
  | `d1:${number}`
  | "table"
  | `packs-put:${number}`
  | `kv-put:${number}`
  | `dirs-put:${number}`
  | `dirs-delete:${number}`
  | `kv-delete:${number}`
  | `packs-delete:${number}`
  | "table:final"
  | "stamp";

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
  /** KV entries per bulk request (the store's limit when absent). */
  kvBulkMax?: number;
}

export async function push(db: StateDb, config: Config, target: Target, opts: PushOptions = {}): Promise<PushResult> {
  const log = opts.log ?? (() => {});
  const wrote = opts.afterWrite ?? (() => {});
  // Before the index is built: building it drops the state's rows of an id that changed meaning.
  checkMirrorIds(db, config.mirrors, Math.floor(Date.now() / 1000));
  // Only the paths whose inputs changed since the last push are recomputed (index-state.ts).
  const index = refreshIndex(db, config);
  for (const n of index.notes ?? []) log(n);
  const names = new Map(index.table.mirrors.map((m) => [m.id, m.name]));
  const named = (ids: number[]) => (ids.length ? ids.map((id) => names.get(id) ?? `#${id}`).join(", ") : "none");
  for (const r of index.repositories ?? []) {
    log(
      `repository ${r.unit.id} (${r.unit.kind}, ${r.files} metadata files, metadata from ${r.metadata === "origin" ? "the origin" : "consistent mirrors"}): consistent: ${named(r.consistent)}${r.partial.length ? `; partial or mid-sync: ${named(r.partial)}` : ""}`,
    );
  }
  // The Worker's validator, strict, before anything is written: the edge should never have to drop a mirror.
  parseMirrorTable({ ...index.table, generation: "" });
  const pushedBefore = pushedMirrors(db);
  const plan = await buildPlan(db, index, {
    allowEmpty: opts.allowEmpty ?? false,
    ...(opts.maxDeleteFraction !== undefined ? { maxDeleteFraction: opts.maxDeleteFraction } : {}),
    generation: new Date().toISOString(),
  });
  const result: PushResult = {
    d1Statements: plan.d1.length - plan.statsStatements,
    statsWritten: plan.statsDigest !== null,
    kvPut: plan.kvPut.length,
    kvDetailPut: plan.packPut.length,
    kvDelete: new Set(plan.kvDelete.map((d) => d.path)).size,
    tableWritten: plan.table !== null,
    unchanged: plan.unchanged,
    dryRun: opts.dryRun ?? false,
    cost: pushCost(plan),
  };
  if (
    plan.d1.length === 0 &&
    plan.kvPut.length === 0 &&
    plan.kvDelete.length === 0 &&
    plan.packPut.length === 0 &&
    plan.packDelete.length === 0 &&
    plan.dirPut.length === 0 &&
    plan.dirDelete.length === 0 &&
    !plan.table
  ) {
    log(`nothing to push: ${plan.unchanged} files unchanged`);
    settleIndex(db);
    return result;
  }
  for (const l of costLines(result.cost)) log(l);
  if (opts.dryRun) {
    // mkdtemp: a name nobody can predict and plant a link under before the plan is written there.
    const dir = await mkdtemp(path.join(os.tmpdir(), "mirrorhop-plan-"));
    await writePlanFiles(plan, dir, opts.kvBulkMax);
    log(
      `dry run: ${plan.d1.length} D1 statements, ${result.kvPut} KV puts, ${result.kvDelete} KV deletes${plan.table ? ", mirror table" : ""}; files in ${dir}`,
    );
    return {
      ...result,
      planDir: dir,
      markLanded: () => {
        recordLanded(db, plan);
        settleIndex(db);
      },
    };
  }
  await withStore(target, async (store) => {
    log(`writing to ${store.where}`);
    await writePlan(db, store, plan, { ...store.limits, ...(opts.kvBulkMax ? { kvEntries: opts.kvBulkMax } : {}) }, log, wrote);
  });
  if (plan.table) {
    transaction(db, () => {
      const { generation: _g, ...rest } = plan.table!;
      setPushedMeta(db, "table", JSON.stringify(rest));
      setPushedMeta(db, "table_digest", plan.tableDigest);
      recordRetiredIds(db, pushedBefore, rest.mirrors, Math.floor(Date.now() / 1000));
    });
  }
  settleIndex(db);
  log(`pushed: ${result.kvPut} records written, ${result.kvDelete} deleted, ${plan.unchanged} unchanged`);
  return result;
}

const kvBytes = (e: KvEntry) => e.key.length + (typeof e.value === "string" ? e.value.length : Math.ceil((e.value.byteLength * 4) / 3)) + 32;
const tableEntry = (t: MirrorTable): KvEntry[] => [{ key: MIRROR_TABLE_KEY, value: encodeMirrorTable(t) }];

/** The write order of the header comment, against any store; after each write the state records what landed. */
async function writePlan(
  db: StateDb,
  store: IndexStore,
  plan: PushPlan,
  limits: StoreLimits,
  log: (s: string) => void,
  wrote: (s: PushStep) => void | Promise<void>,
): Promise<void> {
  const applied = await store.migrate();
  if (applied.length) log(`D1: migrations applied: ${applied.join(", ")}`);
  if (plan.transitionTable) {
    log("KV: mirror table with removed mirrors disabled");
    await store.kvPut(tableEntry(plan.transitionTable));
    await wrote("table:transition");
  }
  // D1 in order: a file's pieces are inserted by the file's id, after the file.
  log(`D1: ${plan.d1.length} statements`);
  await eachBulk(
    bulksOf(
      plan.d1,
      (st) => [renderStatement(st)],
      (s) => s.length + 1,
      limits.d1Statements,
      limits.d1Bytes,
    ),
    1,
    async (b, i) => {
      await store.batch(b.encoded);
      await wrote(`d1:${i}`);
    },
  );
  if (plan.statsDigest) setPushedMeta(db, "stats_digest", plan.statsDigest);
  if (!plan.transitionTable && plan.table) {
    log("KV: mirror table");
    await store.kvPut(tableEntry(plan.table));
    await wrote("table");
  }
  // Within a step the bulks may land in any order; the steps themselves stay in order. After each
  // bulk lands, the state records it: a re-run plans only the rest.
  const put = (e: KvEntry[] | string[]) => store.kvPut(e as KvEntry[]);
  const del = (e: KvEntry[] | string[]) => store.kvDelete(e as string[]);
  const step = kvStep(db, limits, wrote);
  // Packs before records: when a record lands, its Metalink data is there (where KV's order holds).
  await step(
    "packs-put",
    plan.packPut,
    (p) => [{ key: p.key, value: p.value() }],
    put,
    LANDED.packPut,
    (n) => log(`KV: detail packs ${n} of ${plan.packPut.length}`),
  );
  await step(
    "kv-put",
    plan.kvPut,
    (p) => [{ key: p.key, value: p.value() }],
    put,
    LANDED.kvPut,
    (n) => log(`KV: records ${n} of ${plan.kvPut.length}`),
  );
  await step(
    "dirs-put",
    plan.dirPut,
    (d) => [{ key: d.key, value: d.value }],
    put,
    LANDED.dirPut,
    (n) => log(`KV: directory listings ${n} of ${plan.dirPut.length}`),
  );
  await step(
    "dirs-delete",
    plan.dirDelete,
    (d) => [d.key],
    del,
    LANDED.dirDelete,
    (n) => log(`KV: listings of directories that are gone deleted: ${n}`),
  );
  await step(
    "kv-delete",
    perFile(plan.kvDelete),
    (f) => f.map((d) => d.key),
    del,
    LANDED.kvDelete,
    (n) => log(`KV: records of files that are gone deleted: ${n}`),
  );
  await step(
    "packs-delete",
    plan.packDelete,
    (p) => [p.key],
    del,
    LANDED.packDelete,
    (n) => log(`KV: detail packs of directories with no details left deleted: ${n}`),
  );
  if (plan.transitionTable && plan.table) {
    log("KV: final mirror table");
    await store.kvPut(tableEntry(plan.table));
    await wrote("table:final");
  }
  if (plan.stamp) {
    // Stamped when written, not when planned: a push of many files ends minutes after it began.
    const stamp: PushStamp = { at: Date.now() };
    await store.kvPut([{ key: PUSH_STAMP_KEY, value: JSON.stringify(stamp) }]);
    await wrote("stamp");
  }
}

/** Consecutive entries of one path (a gone file: its old detail key, then its record), sent in one bulk. */
function* perFile<T extends { path: string }>(items: T[]): Generator<T[]> {
  let group: T[] = [];
  for (const it of items) {
    if (group.length && group[0]!.path !== it.path) {
      yield group;
      group = [];
    }
    group.push(it);
  }
  if (group.length) yield group;
}

/** What one landed item records: a statement, and its rows for the item. */
type Recording<T> = [sql: string, rows: (item: T) => string[][]];

type Item<K extends keyof PushPlan> = PushPlan[K] extends (infer T)[] ? T : never;

/** What each KV step leaves in the state once a bulk of it landed: declared once, for the push and for recordLanded. */
const LANDED: {
  packPut: Recording<Item<"packPut">>[];
  kvPut: Recording<Item<"kvPut">>[];
  dirPut: Recording<Item<"dirPut">>[];
  dirDelete: Recording<Item<"dirDelete">>[];
  kvDelete: Recording<Item<"kvDelete">[]>[];
  packDelete: Recording<Item<"packDelete">>[];
} = {
  packPut: [["INSERT INTO pushed_packs (id, digest) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET digest = excluded.digest", (p) => [[p.id, p.digest]]]],
  kvPut: [
    [
      "INSERT INTO pushed_files (path, digest, legacy_detail) VALUES (?, ?, 0) ON CONFLICT(path) DO UPDATE SET digest = excluded.digest",
      (p) => [[p.path, p.digest]],
    ],
  ],
  dirPut: [["INSERT INTO pushed_dirs (dir, digest) VALUES (?, ?) ON CONFLICT(dir) DO UPDATE SET digest = excluded.digest", (d) => [[d.dir, d.digest]]]],
  dirDelete: [["DELETE FROM pushed_dirs WHERE dir = ?", (d) => [[d.dir]]]],
  kvDelete: [
    ["DELETE FROM pushed_files WHERE path = ?", (f) => f.filter((p) => p.main).map((p) => [p.path])],
    ["UPDATE pushed_files SET legacy_detail = 0 WHERE path = ?", (f) => f.filter((p) => !p.main).map((p) => [p.path])],
  ],
  packDelete: [["DELETE FROM pushed_packs WHERE id = ?", (p) => [[p.id]]]],
};

/**
 * What a plan that landed whole leaves in the state, without a store: for the tests and
 * benchmarks that plan the push after it. The push records the same, bulk by bulk.
 */
export function recordLanded(db: StateDb, plan: PushPlan): void {
  const all = <T>(recordings: Recording<T>[], items: T[]) => {
    for (const [sql, rows] of recordings) recordEach(db, sql, items.flatMap(rows));
  };
  all(LANDED.packPut, plan.packPut);
  all(LANDED.kvPut, plan.kvPut);
  all(LANDED.dirPut, plan.dirPut);
  all(LANDED.dirDelete, plan.dirDelete);
  all(LANDED.kvDelete, [...perFile(plan.kvDelete)]);
  all(LANDED.packDelete, plan.packDelete);
  setPushedMeta(db, "table_digest", plan.tableDigest);
  if (plan.table) {
    const { generation: _g, ...rest } = plan.table;
    setPushedMeta(db, "table", JSON.stringify(rest));
  }
  if (plan.statsDigest) setPushedMeta(db, "stats_digest", plan.statsDigest);
}

/**
 * One KV step of the write order: the items in bulks within the store's limits, `parallel` at a
 * time; after each bulk lands, `wrote` (the tests' interruption point), then the state's record.
 */
function kvStep(db: StateDb, limits: StoreLimits, wrote: (s: PushStep) => void | Promise<void>) {
  return async <T, E extends KvEntry | string>(
    name: "packs-put" | "kv-put" | "dirs-put" | "dirs-delete" | "kv-delete" | "packs-delete",
    items: Iterable<T>,
    encode: (item: T) => E[],
    send: (encoded: E[]) => Promise<unknown>,
    recordings: Recording<T>[],
    progress: (landed: number) => void,
  ): Promise<void> => {
    let landed = 0;
    const size = (e: E) => (typeof e === "string" ? e.length + 3 : kvBytes(e));
    await eachBulk(bulksOf(items, encode, size, limits.kvEntries, limits.kvBytes), limits.parallel, async (b, i) => {
      await send(b.encoded);
      await wrote(`${name}:${i}`);
      for (const [sql, rows] of recordings) {
        recordEach(db, sql, b.items.flatMap(rows));
      }
      progress((landed += b.encoded.length));
    });
  };
}

function recordEach(db: StateDb, sql: string, rows: string[][]): void {
  transaction(db, () => {
    const st = db.prepare(sql);
    for (const r of rows) st.run(...r);
  });
}

/** The plan as the files a push would send, in the local store's request sizes. */
async function writePlanFiles(plan: PushPlan, dir: string, kvMax = 10_000) {
  const MiB16 = 16 * 1024 * 1024;
  const tables = [plan.transitionTable && ["table-transition", plan.transitionTable], plan.table && ["table", plan.table]].filter(
    (t): t is [string, MirrorTable] => !!t,
  );
  for (const [name, t] of tables) await writeBulks(dir, name, tableEntry(t), (e) => JSON.stringify(e), JSON_ARRAY, 1, Infinity);
  await writeBulks(dir, "d1", plan.d1, renderStatement, SQL_LINES, 5_000, MiB16);
  await writeBulks(
    dir,
    "kv-packs",
    plan.packPut,
    (p) => JSON.stringify({ key: p.key, value: Buffer.from(p.value()).toString("base64"), base64: true }),
    JSON_ARRAY,
    kvMax,
    MiB16,
  );
  await writeBulks(
    dir,
    "kv-put",
    plan.kvPut,
    (p) => JSON.stringify({ key: p.key, value: Buffer.from(p.value()).toString("base64"), base64: true }),
    JSON_ARRAY,
    kvMax,
    MiB16,
  );
  await writeBulks(dir, "kv-delete", plan.kvDelete, (p) => JSON.stringify(p.key), JSON_ARRAY, kvMax, MiB16);
  await writeBulks(dir, "kv-dirs", plan.dirPut, (d) => JSON.stringify({ key: d.key, value: d.value }), JSON_ARRAY, kvMax, MiB16);
  await writeBulks(dir, "kv-dirs-delete", plan.dirDelete, (d) => JSON.stringify(d.key), JSON_ARRAY, kvMax, MiB16);
  await writeBulks(dir, "kv-packs-delete", plan.packDelete, (p) => JSON.stringify(p.key), JSON_ARRAY, kvMax, MiB16);
}
