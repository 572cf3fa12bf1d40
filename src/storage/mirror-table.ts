/**
 * The mirror table, cached per isolate for a bounded time. KV first, D1 if KV fails or is empty.
 * When both fail, a cached table is used for at most STALE_LIMIT_MS beyond its TTL; after that the
 * Worker sends everyone to the origin rather than trust mirror state it can no longer confirm.
 */

import { drizzle } from "drizzle-orm/d1";
import { inArray } from "drizzle-orm";
import { MIRROR_TABLE_KEY } from "../core/file-record.js";
import { parsePushStamp, PUSH_STAMP_KEY } from "../core/push-stamp.js";
import { readMirrorTable } from "../core/mirror-table.js";
import { meta, mirrorHealth, mirrors, mirrorStatus } from "../db/schema.js";
import { type HealthDoc, healthDocOf, isStale } from "../health/health-doc.js";
import { healthStateFromRows } from "../health/state-rows.js";
import { readHealthDoc } from "./health-store.js";
import { mirrorFromRow } from "../db/rows.js";
import type { Env } from "../env.js";
import { type CompiledTable, compileTable, withHealth } from "../selection/compiled-table.js";
import { logOnce } from "./log-once.js";
import { loadTableText, type TextState } from "./table-text.js";
import { D1_DEADLINE_MS, KV_DEADLINE_MS, withDeadline } from "./deadline.js";

const DEFAULT_TTL_MS = 60_000;
const STALE_LIMIT_MS = 10 * 60_000;

interface CacheEntry {
  table: CompiledTable;
  source: "kv" | "d1";
  /** From the push stamp read with the table; null without one (then misses are confirmed, as before stamps). */
  pushedAt: number | null;
  loadedAt: number;
}

// One entry per KV binding: tests and multi-environment setups run several in one isolate.
const cache = new WeakMap<object, CacheEntry>();
// The load in progress per binding: requests arriving while the table expires wait for one load
// instead of each reading, parsing and compiling the same table.
const loading = new WeakMap<object, Promise<CacheEntry | null>>();

export interface LoadedTable {
  table: CompiledTable;
  source: "kv" | "d1" | "stale";
  /** When the last push finished writing (its stamp, ms); null when unknown. */
  pushedAt: number | null;
}

export async function getMirrorTable(env: Env, now = Date.now()): Promise<LoadedTable | null> {
  const ttlMs = env.MIRROR_TABLE_TTL_SECONDS !== undefined ? Number(env.MIRROR_TABLE_TTL_SECONDS) * 1000 : DEFAULT_TTL_MS;
  const hit = cache.get(env.INDEX);
  if (hit && now - hit.loadedAt < ttlMs) return { table: hit.table, source: hit.source, pushedAt: hit.pushedAt };

  let load = loading.get(env.INDEX);
  if (!load) {
    const started: Promise<CacheEntry | null> = (async () => {
      const fresh = (await fromKv(env, now)) ?? (await fromD1(env, now));
      if (!fresh) return null;
      const entry: CacheEntry = { table: fresh.table, source: fresh.source, pushedAt: fresh.pushedAt, loadedAt: now };
      cache.set(env.INDEX, entry);
      return entry;
    })().finally(() => {
      if (loading.get(env.INDEX) === started) loading.delete(env.INDEX);
    });
    loading.set(env.INDEX, started);
    load = started;
  }
  const entry = await load;
  if (entry) return { table: entry.table, source: entry.source, pushedAt: entry.pushedAt };
  if (hit && now - hit.loadedAt < ttlMs + STALE_LIMIT_MS) return { table: hit.table, source: "stale", pushedAt: hit.pushedAt };
  return null;
}

/** Forget this isolate's table, so the next request reads what a probe round just wrote. */
export function invalidateMirrorTable(env: Env): void {
  cache.delete(env.INDEX);
  loading.delete(env.INDEX);
}

/** One mirror the validator refuses is left out and logged (once per isolate); the others keep serving. */
function logDropped(dropped: string[]): void {
  for (const d of dropped) logOnce(`mirror table: left out ${d}`, "the other mirrors keep serving");
}

// What each binding loaded last: the table's text state (table-text.ts: most reloads find every
// line as it was and cost a decode and a comparison of each), and its last health overlay. The
// table changes only with a push and the document with a probe round; a new document costs a pass
// over the mirrors, reusing every mirror whose verdicts it did not change (bench/table-load.ts).
interface Compiled {
  text: TextState;
  health: HealthDoc | null;
  applied: boolean;
  table: CompiledTable;
}
const compiled = new WeakMap<object, Compiled>();

function compiledFromKv(env: Env, bytes: Uint8Array, health: HealthDoc | null, nowSeconds: number): CompiledTable {
  const last = compiled.get(env.INDEX);
  const load = loadTableText(bytes, last?.text);
  logDropped(load.dropped);
  const base = load.table;
  // A document that went stale since stops applying, though its text did not change.
  const applied = health !== null && !isStale(health, base.policy.health.verdictMaxAgeSeconds, nowSeconds);
  if (last && last.text.table === base && last.health === health && last.applied === applied) return last.table;
  const previous = last?.applied && last.health ? { doc: last.health, base: last.text.table, table: last.table } : undefined;
  const table = applied ? withHealth(base, health, nowSeconds, previous) : base;
  compiled.set(env.INDEX, { text: load.state, health, applied, table });
  return table;
}

async function fromKv(env: Env, now: number): Promise<{ table: CompiledTable; source: "kv"; pushedAt: number | null } | null> {
  try {
    // The push owns the table and its stamp, the probers the health document; they are merged here.
    const [bytes, health, stamp] = await withDeadline(
      Promise.all([env.INDEX.get(MIRROR_TABLE_KEY, "arrayBuffer"), readHealthDoc(env), env.INDEX.get(PUSH_STAMP_KEY, "json")]),
      KV_DEADLINE_MS,
      "KV mirror table read",
    );
    return bytes
      ? { table: compiledFromKv(env, new Uint8Array(bytes), health, Math.floor(now / 1000)), source: "kv", pushedAt: parsePushStamp(stamp)?.at ?? null }
      : null;
  } catch (err) {
    logOnce("KV mirror table read failed", err);
    return null;
  }
}

async function fromD1(env: Env, now: number): Promise<{ table: CompiledTable; source: "d1"; pushedAt: null } | null> {
  try {
    const db = drizzle(env.DB);
    const [mirrorRows, statusRows, healthRows, metaRows] = await withDeadline(
      Promise.all([
        db.select().from(mirrors).all(),
        db.select().from(mirrorStatus).all(),
        db.select().from(mirrorHealth).all(),
        // Not the chart's rows: the table needs the verdicts, not their history.
        db
          .select()
          .from(meta)
          .where(inArray(meta.key, ["generation", "policy", "probed_at", "origin_trace"]))
          .all(),
      ]),
      D1_DEADLINE_MS,
      "D1 mirror table read",
    );
    if (mirrorRows.length === 0) return null;
    const metaMap = new Map(metaRows.map((r) => [r.key, r.value]));
    const { table, dropped } = readMirrorTable({
      format: 1,
      generation: metaMap.get("generation") ?? "",
      policy: JSON.parse(metaMap.get("policy") ?? "{}"),
      mirrors: mirrorRows.map((r) => mirrorFromRow(r)),
    });
    logDropped(dropped);
    // The probe round's time, for the staleness rule: D1's verdicts age like the document's.
    const health = healthDocOf(healthStateFromRows(statusRows, healthRows, metaRows), Number(metaMap.get("probed_at")) || 0);
    return { table: withHealth(compileTable(table), health, Math.floor(now / 1000)), source: "d1", pushedAt: null };
  } catch (err) {
    logOnce("D1 mirror table read failed", err);
    return null;
  }
}
