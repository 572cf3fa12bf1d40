/**
 * Reading the statistics back: from D1, or from Analytics Engine's SQL API, cached in the data
 * centre for STATS_CACHE_SECONDS so that anonymous views of the status page cost the store at most
 * one report per data centre and interval, whatever the traffic.
 */

import type { Env } from "../env.js";
import { readStatsFromAnalytics, sqlApiOf } from "../stats/analytics-engine.js";
import { readStatsFromD1 } from "../stats/d1-store.js";
import type { StatsRows } from "../stats/rows.js";
import { statsWindowAt } from "../stats/rows.js";
import { statsStoreOf } from "../stats/sink.js";
import { type StatsView, statsView } from "../stats/stats-view.js";
import { getMirrorTable } from "./mirror-table.js";
import { D1_DEADLINE_MS, withDeadline } from "./deadline.js";

const DEFAULT_CACHE_SECONDS = 60;

export type StatsResult = { ok: true; view: StatsView } | { ok: false; reason: string };

async function rowsOf(env: Env, store: string, now: number): Promise<StatsRows | string> {
  const w = statsWindowAt(now);
  if (store === "d1") return readStatsFromD1(env.DB, w);
  if (store === "analytics-engine") {
    const api = sqlApiOf(env);
    if (!api) return "downloads are counted in Analytics Engine; set STATS_ACCOUNT_ID and the secret STATS_API_TOKEN to show them here (docs/statistics.md)";
    return readStatsFromAnalytics(api, w);
  }
  return "download statistics are off (STATS_STORE)";
}

async function cachedRows(env: Env, store: string, host: string, now: number): Promise<StatsRows | string> {
  const ttl = env.STATS_CACHE_SECONDS === undefined ? DEFAULT_CACHE_SECONDS : Number(env.STATS_CACHE_SECONDS) || 0;
  if (ttl <= 0 || store === "off") return rowsOf(env, store, now);
  const cache = (caches as unknown as { default: Cache }).default;
  const key = new Request(`https://${host}/_mirrorhop/stats-cache/${store}/${statsWindowAt(now).today}`);
  const hit = await cache.match(key).catch(() => undefined);
  if (hit) return (await hit.json()) as StatsRows;
  const rows = await rowsOf(env, store, now);
  if (typeof rows !== "string") await cache.put(key, Response.json(rows, { headers: { "Cache-Control": `max-age=${ttl}` } })).catch(() => {});
  return rows;
}

export async function readStats(env: Env, host: string, now = Math.floor(Date.now() / 1000)): Promise<StatsResult> {
  const store = statsStoreOf(env);
  try {
    const [rows, table] = await Promise.all([withDeadline(cachedRows(env, store, host, now), 2 * D1_DEADLINE_MS, "statistics"), getMirrorTable(env)]);
    if (typeof rows === "string") return { ok: false, reason: rows };
    const mirrors = (table?.table.mirrors ?? []).map((c) => c.mirror);
    return { ok: true, view: statsView(store, statsWindowAt(now), rows, mirrors) };
  } catch (err) {
    return { ok: false, reason: `statistics unavailable: ${err instanceof Error ? err.message : String(err)}` };
  }
}
