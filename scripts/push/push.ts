/**
 * `mirrorhop push --local | --remote`: writes the plan in an order the Worker can read at any
 * moment. (1) D1, the source of truth the Worker falls back to. (2) In KV, the mirror table with
 * every new mirror (and removed ones disabled) before any file record names them. (3) The file
 * records, then the deletions. (4) The final mirror table. After each step the local state records
 * what landed, so an interrupted push re-run writes the rest, and nothing twice.
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import type { Config } from "../config/schema.js";
import { type StateDb, transaction } from "../state/db.js";
import { buildIndex } from "./index-build.js";
import { buildPlan, type PushPlan } from "./plan.js";
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

const KV_BULK_MAX = 10_000;
const D1_STATEMENTS_PER_FILE = 5_000;

export async function push(db: StateDb, config: Config, target: Target, opts: { dryRun?: boolean; allowEmpty?: boolean; log?: (s: string) => void } = {}): Promise<PushResult> {
  const log = opts.log ?? (() => {});
  const plan = await buildPlan(db, buildIndex(db, config), { allowEmpty: opts.allowEmpty ?? false, generation: new Date().toISOString() });
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
  const dir = opts.dryRun ? path.join(os.tmpdir(), `mirrorhop-plan-${Date.now()}`) : await mkdtemp(path.join(os.tmpdir(), "mirrorhop-push-"));
  await mkdir(dir, { recursive: true });
  try {
    const files = await writePlanFiles(plan, dir);
    if (opts.dryRun) {
      log(`dry run: ${plan.d1.length} D1 statements, ${result.kvPut} KV puts, ${result.kvDelete} KV deletes${plan.table ? ", mirror table" : ""}; files in ${dir}`);
      return { ...result, planDir: dir };
    }
    await d1MigrationsApply(target);
    log(`D1: ${plan.d1.length} statements in ${files.sql.length} file(s) (${target.kind})`);
    for (const f of files.sql) await d1ExecuteFile(target, f);
    if (plan.statsDigest) db.prepare("INSERT INTO pushed_meta (key, value) VALUES ('stats_digest', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(plan.statsDigest);
    if (plan.transitionTable) {
      log("KV: mirror table with removed mirrors disabled");
      await kvBulkPut(target, files.transitionTable!);
    } else if (plan.table && files.table) {
      log("KV: mirror table");
      await kvBulkPut(target, files.table);
    }
    for (const [i, f] of files.kvPut.entries()) {
      log(`KV: file records ${i * KV_BULK_MAX + 1}-${Math.min((i + 1) * KV_BULK_MAX, plan.kvPut.length)} of ${plan.kvPut.length}`);
      await kvBulkPut(target, f);
      const chunk = plan.kvPut.slice(i * KV_BULK_MAX, (i + 1) * KV_BULK_MAX);
      transaction(db, () => {
        const st = db.prepare("INSERT INTO pushed_files (path, digest) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET digest = excluded.digest");
        for (const p of chunk) if (p.main) st.run(p.path, p.digest);
      });
    }
    for (const [i, f] of files.dirPut.entries()) {
      log(`KV: ${plan.dirPut.length} directory listings`);
      await kvBulkPut(target, f);
      const chunk = plan.dirPut.slice(i * KV_BULK_MAX, (i + 1) * KV_BULK_MAX);
      transaction(db, () => {
        const st = db.prepare("INSERT INTO pushed_dirs (dir, digest) VALUES (?, ?) ON CONFLICT(dir) DO UPDATE SET digest = excluded.digest");
        for (const d of chunk) st.run(d.dir, d.digest);
      });
    }
    for (const [i, f] of files.kvDelete.entries()) {
      log(`KV: deleting ${plan.kvDelete.length} records`);
      await kvBulkDelete(target, f);
      const chunk = plan.kvDelete.slice(i * KV_BULK_MAX, (i + 1) * KV_BULK_MAX);
      transaction(db, () => {
        const st = db.prepare("DELETE FROM pushed_files WHERE path = ?");
        for (const p of chunk) st.run(p.path);
      });
    }
    for (const [i, f] of files.dirDelete.entries()) {
      await kvBulkDelete(target, f);
      const chunk = plan.dirDelete.slice(i * KV_BULK_MAX, (i + 1) * KV_BULK_MAX);
      transaction(db, () => {
        const st = db.prepare("DELETE FROM pushed_dirs WHERE dir = ?");
        for (const d of chunk) st.run(d.dir);
      });
    }
    if (plan.transitionTable && files.table) {
      log("KV: final mirror table");
      await kvBulkPut(target, files.table);
    }
    if (plan.table) {
      transaction(db, () => {
        const st = db.prepare("INSERT INTO pushed_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
        const { generation: _g, ...rest } = plan.table!;
        st.run("table", JSON.stringify(rest));
        st.run("table_digest", plan.tableDigest);
      });
    }
    log(`pushed: ${result.kvPut} records written, ${result.kvDelete} deleted, ${plan.unchanged} unchanged`);
    return result;
  } finally {
    if (!opts.dryRun) await rm(dir, { recursive: true, force: true });
  }
}

async function writePlanFiles(plan: PushPlan, dir: string) {
  const sql: string[] = [];
  for (let i = 0; i < plan.d1.length; i += D1_STATEMENTS_PER_FILE) {
    const f = path.join(dir, `d1-${String(sql.length).padStart(4, "0")}.sql`);
    await writeFile(f, plan.d1.slice(i, i + D1_STATEMENTS_PER_FILE).join("\n") + "\n");
    sql.push(f);
  }
  const tableFile = async (name: string, t: MirrorTable | null) => {
    if (!t) return undefined;
    const f = path.join(dir, name);
    await writeFile(f, JSON.stringify([{ key: MIRROR_TABLE_KEY, value: JSON.stringify(t) }]));
    return f;
  };
  const kvPut: string[] = [];
  for (let i = 0; i < plan.kvPut.length; i += KV_BULK_MAX) {
    const f = path.join(dir, `kv-put-${String(kvPut.length).padStart(4, "0")}.json`);
    await writeFile(f, JSON.stringify(plan.kvPut.slice(i, i + KV_BULK_MAX).map((p) => ({ key: p.key, value: Buffer.from(p.value).toString("base64"), base64: true }))));
    kvPut.push(f);
  }
  const kvDelete: string[] = [];
  for (let i = 0; i < plan.kvDelete.length; i += KV_BULK_MAX) {
    const f = path.join(dir, `kv-delete-${String(kvDelete.length).padStart(4, "0")}.json`);
    await writeFile(f, JSON.stringify(plan.kvDelete.slice(i, i + KV_BULK_MAX).map((p) => p.key)));
    kvDelete.push(f);
  }
  const dirPut: string[] = [];
  for (let i = 0; i < plan.dirPut.length; i += KV_BULK_MAX) {
    const f = path.join(dir, `kv-dirs-${String(dirPut.length).padStart(4, "0")}.json`);
    await writeFile(f, JSON.stringify(plan.dirPut.slice(i, i + KV_BULK_MAX).map((d) => ({ key: d.key, value: d.value }))));
    dirPut.push(f);
  }
  const dirDelete: string[] = [];
  for (let i = 0; i < plan.dirDelete.length; i += KV_BULK_MAX) {
    const f = path.join(dir, `kv-dirs-delete-${String(dirDelete.length).padStart(4, "0")}.json`);
    await writeFile(f, JSON.stringify(plan.dirDelete.slice(i, i + KV_BULK_MAX).map((d) => d.key)));
    dirDelete.push(f);
  }
  return { sql, table: await tableFile("table.json", plan.table), transitionTable: await tableFile("table-transition.json", plan.transitionTable), kvPut, kvDelete, dirPut, dirDelete };
}
