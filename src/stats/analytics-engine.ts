/**
 * Workers Analytics Engine as the statistics store, for production: `writeDataPoint` returns at once
 * and costs no D1 or KV write, so counting adds nothing to the download path. Reports are read
 * back through the Analytics Engine SQL API, which cannot run locally: the tests read it from a
 * stand-in that says so (test/node/stats-sql-api.test.ts).
 */

import type { CountEvent, CountKind } from "./event.js";
import { type StatsRows, statsRowsOf, type StatsWindow, TOP_COUNTRIES, TOP_UNITS } from "./rows.js";

/** The column each field lands in: declared once, for the writer and the queries alike. */
const COLUMNS = { kind: "blob1", unit: "blob2", mirrorId: "blob3", tier: "blob4", country: "blob5", bytes: "double1" } as const;

export function dataPointOf(e: CountEvent, kind: CountKind): AnalyticsEngineDataPoint {
  // The unit is the sampling index: Analytics Engine samples per index value, so a popular file is
  // sampled without blurring the rare ones; _sample_interval undoes the sampling in the queries.
  return { indexes: [e.unit.slice(0, 96)], blobs: [kind, e.unit, String(e.mirrorId), e.tier, e.country], doubles: [e.bytes] };
}

const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

/** The three reads of a report in Analytics Engine's SQL dialect, over the dataset named. */
export function analyticsSql(dataset: string, w: StatsWindow): { mirrors: string; units: string; countries: string } {
  if (!/^[A-Za-z0-9_]+$/.test(dataset)) throw new Error(`bad dataset name ${JSON.stringify(dataset)}`);
  const C = COLUMNS;
  const today = `toDateTime(${q(`${w.today} 00:00:00`)})`;
  const sums = `SUM(IF(timestamp >= ${today}, _sample_interval, 0)) AS events1d, SUM(IF(timestamp >= ${today}, _sample_interval * ${C.bytes}, 0)) AS bytes1d, SUM(_sample_interval) AS events7d, SUM(_sample_interval * ${C.bytes}) AS bytes7d`;
  const where = `timestamp >= toDateTime(${q(`${w.since} 00:00:00`)})`;
  const docs = `${C.kind} IN ('download', 'metalink')`;
  return {
    mirrors: `SELECT ${C.mirrorId} AS mirrorId, ${C.kind} AS kind, ${C.tier} AS tier, ${sums} FROM ${dataset} WHERE ${where} GROUP BY mirrorId, kind, tier FORMAT JSON`,
    units: `SELECT ${C.unit} AS unit, ${sums} FROM ${dataset} WHERE ${where} AND ${docs} GROUP BY unit ORDER BY events7d DESC LIMIT ${TOP_UNITS} FORMAT JSON`,
    countries: `SELECT ${C.country} AS country, ${sums} FROM ${dataset} WHERE ${where} AND ${docs} GROUP BY country ORDER BY events7d DESC LIMIT ${TOP_COUNTRIES} FORMAT JSON`,
  };
}

export interface SqlApi {
  /** https://api.cloudflare.com/client/v4/accounts/<account>/analytics_engine/sql, or a stand-in's URL. */
  url: string;
  token: string;
  dataset: string;
}

export function sqlApiOf(env: {
  STATS_ACCOUNT_ID?: string | undefined;
  STATS_API_TOKEN?: string | undefined;
  STATS_SQL_URL?: string | undefined;
  STATS_DATASET?: string | undefined;
}): SqlApi | null {
  if (!env.STATS_API_TOKEN || !(env.STATS_SQL_URL || env.STATS_ACCOUNT_ID)) return null;
  return {
    url: env.STATS_SQL_URL || `https://api.cloudflare.com/client/v4/accounts/${encodeURIComponent(env.STATS_ACCOUNT_ID!)}/analytics_engine/sql`,
    token: env.STATS_API_TOKEN,
    dataset: env.STATS_DATASET || "mirrorhop_downloads",
  };
}

async function runSql(api: SqlApi, sql: string, fetchFn: typeof fetch): Promise<Record<string, unknown>[]> {
  const res = await fetchFn(api.url, { method: "POST", headers: { Authorization: `Bearer ${api.token}` }, body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(`Analytics Engine SQL API answered ${res.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data?: unknown };
  if (!Array.isArray(body.data)) throw new Error(`Analytics Engine SQL API answered without a data array: ${text.slice(0, 300)}`);
  return body.data as Record<string, unknown>[];
}

export async function readStatsFromAnalytics(api: SqlApi, w: StatsWindow, fetchFn: typeof fetch = fetch): Promise<StatsRows> {
  const s = analyticsSql(api.dataset, w);
  const [mirrors, units, countries] = await Promise.all([runSql(api, s.mirrors, fetchFn), runSql(api, s.units, fetchFn), runSql(api, s.countries, fetchFn)]);
  return statsRowsOf({ mirrors, units, countries });
}
