/**
 * The rollout chart's data, kept up to date by the probers instead of recomputed per view: each
 * probe round folds its results into a fixed grid (48 h of 12-minute buckets per mirror). The grid
 * is stored in D1 meta rows of MIRRORS_PER_SHARD mirrors each, beside when each of those mirrors'
 * schemes was last checked and how fast it answered. A round writes only the shards of the mirrors
 * it probed: with the budget probing a few dozen targets, that is one or two rows whatever the
 * network's size, and each row stays far below D1's statement and row limits (docs/health.md).
 */

import type { ProbeRecord } from "../health/state.js";

export const CHART_KEY_PREFIX = "status_chart:";
/** The single row of format 1, before shards: read once, replaced by shards on the next round. */
export const LEGACY_CHART_KEY = "status_chart";
export const CHART_BUCKET_SECONDS = 720;
export const CHART_BUCKETS = 240;
export const CHART_SPAN_SECONDS = CHART_BUCKET_SECONDS * CHART_BUCKETS;
/** 32 mirrors × 240 buckets stay under ~60 KB of SQL text even with every bucket a failure. */
export const MIRRORS_PER_SHARD = 32;

/** When a mirror's scheme was last probed (Unix seconds) and how long it took (ms; null without an answer). */
export type SchemeCheck = [checkedAt: number, latencyMs: number | null];

/**
 * One number per bucket: null no probe; n >= 0 every probe answered, the worst lag n seconds;
 * -1 answered without a known lag; -2 a probe failed (lag unknown); -3 - n a probe failed, the
 * worst lag of the others n. The bucket keeps the worst of its probes, as a max/min over the history did.
 */
export interface ChartShard {
  format: 2;
  /** Start of the newest bucket (Unix seconds) when the shard was last written; its grid's last entry. */
  end: number;
  series: Record<string, (number | null)[]>;
  /** Keyed "mirrorId/scheme". */
  checks: Record<string, SchemeCheck>;
}

/** The chart as the rows hold it: shard number → shard. */
export type LagChart = Map<number, ChartShard>;

export interface ChartPoint {
  mirrorId: number;
  at: number;
  lagSeconds: number | null;
  ok: boolean;
}

export const shardOf = (mirrorId: number) => Math.floor(mirrorId / MIRRORS_PER_SHARD);
export const shardKey = (shard: number) => `${CHART_KEY_PREFIX}${shard}`;

const encode = (ok: boolean, lag: number | null): number => (ok ? (lag === null ? -1 : lag) : lag === null ? -2 : -3 - lag);
const decode = (v: number): { ok: boolean; lag: number | null } =>
  v >= 0 ? { ok: true, lag: v } : v === -1 ? { ok: true, lag: null } : v === -2 ? { ok: false, lag: null } : { ok: false, lag: -v - 3 };

function merge(prev: number | null, ok: boolean, lag: number | null): number {
  if (prev === null) return encode(ok, lag);
  const p = decode(prev);
  const worst = p.lag === null ? lag : lag === null ? p.lag : Math.max(p.lag, lag);
  return encode(p.ok && ok, worst);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/**
 * The chart from its meta rows (any others are ignored). A row that does not parse is left out: the
 * chart loses those mirrors' past, the probe state does not. The legacy single row is split into shards.
 */
export function parseChartRows(rows: readonly { key: string; value: string }[]): { chart: LagChart; legacy: boolean } {
  const chart: LagChart = new Map();
  let legacy = false;
  for (const r of rows) {
    let v: unknown;
    try {
      v = JSON.parse(r.value);
    } catch {
      continue;
    }
    if (!isObject(v) || !Number.isFinite(v.end) || !isObject(v.series)) continue;
    if (r.key === LEGACY_CHART_KEY && v.format === 1) {
      legacy = true;
      for (const [id, grid] of Object.entries(v.series)) {
        if (!Array.isArray(grid)) continue;
        const shard = shardOrNew(chart, shardOf(Number(id)), v.end as number);
        shard.series[id] = grid as (number | null)[];
      }
    } else if (r.key.startsWith(CHART_KEY_PREFIX) && v.format === 2 && isObject(v.checks)) {
      const n = Number(r.key.slice(CHART_KEY_PREFIX.length));
      if (Number.isInteger(n)) chart.set(n, v as unknown as ChartShard);
    }
  }
  return { chart, legacy };
}

function shardOrNew(chart: LagChart, n: number, end: number): ChartShard {
  let s = chart.get(n);
  if (!s) chart.set(n, (s = { format: 2, end, series: {}, checks: {} }));
  return s;
}

/** The last check of every scheme the chart knows, keyed "mirrorId/scheme". */
export function chartChecks(chart: LagChart): Map<string, SchemeCheck> {
  const out = new Map<string, SchemeCheck>();
  for (const s of chart.values()) for (const [k, c] of Object.entries(s.checks)) out.set(k, c);
  return out;
}

export interface RoundChart {
  chart: LagChart;
  /** The shards this round changed, to be written; every other row stays as it is. */
  changed: number[];
}

/**
 * A round folded in: each shard holding a probed mirror moves to `now`'s bucket and takes the
 * round's probes and checks; mirrors no longer known leave it. Shards no probe touched are not
 * changed (their grids keep their own end; points carry absolute times).
 */
export function addRound(
  prev: LagChart,
  records: readonly ProbeRecord[],
  checks: ReadonlyMap<string, SchemeCheck>,
  now: number,
  knownMirrors: readonly number[],
): RoundChart {
  const end = Math.floor(now / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS;
  const known = new Set(knownMirrors);
  const touched = new Set(records.filter((r) => known.has(r.mirrorId)).map((r) => shardOf(r.mirrorId)));
  const chart: LagChart = new Map(prev);
  for (const n of touched) {
    const old = prev.get(n);
    const shift = old ? Math.max(0, Math.round((end - old.end) / CHART_BUCKET_SECONDS)) : CHART_BUCKETS;
    const shard: ChartShard = { format: 2, end, series: {}, checks: {} };
    for (const id of knownMirrors) {
      if (shardOf(id) !== n) continue;
      const grid = new Array<number | null>(CHART_BUCKETS).fill(null);
      const was = old?.series[id];
      if (was && shift < CHART_BUCKETS) for (let i = shift; i < CHART_BUCKETS; i++) grid[i - shift] = was[i] ?? null;
      shard.series[id] = grid;
    }
    for (const [k, c] of checks) if (known.has(Number(k.split("/")[0])) && shardOf(Number(k.split("/")[0])) === n) shard.checks[k] = c;
    chart.set(n, shard);
  }
  for (const r of records) {
    const grid = chart.get(shardOf(r.mirrorId))?.series[r.mirrorId];
    if (!grid) continue;
    const i = CHART_BUCKETS - 1 - Math.round((end - Math.floor(r.at / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS) / CHART_BUCKET_SECONDS);
    if (i >= 0 && i < CHART_BUCKETS) grid[i] = merge(grid[i] ?? null, r.ok, r.lagSeconds);
  }
  // Mirrors with no point left are not stored: the rows stay small for mirrors never probed.
  for (const n of touched) {
    const s = chart.get(n)!;
    for (const [id, grid] of Object.entries(s.series)) if (grid.every((v) => v === null)) delete s.series[id];
  }
  return { chart, changed: [...touched].sort((a, b) => a - b) };
}

/** The points from `from` on, oldest first per mirror, as the chart draws them. */
export function chartPoints(chart: LagChart, from: number): ChartPoint[] {
  const out: ChartPoint[] = [];
  // A shard no round touched lately still holds buckets older than the newest shard's 48 h: cut
  // them, so the chart spans what one grid would.
  const newest = Math.max(-Infinity, ...[...chart.values()].map((s) => s.end));
  from = Math.max(from, newest - CHART_SPAN_SECONDS + CHART_BUCKET_SECONDS);
  for (const s of chart.values()) {
    for (const [id, grid] of Object.entries(s.series)) {
      grid.forEach((v, i) => {
        const at = s.end - (CHART_BUCKETS - 1 - i) * CHART_BUCKET_SECONDS;
        if (v === null || at + CHART_BUCKET_SECONDS <= from) return;
        const d = decode(v);
        out.push({ mirrorId: Number(id), at, lagSeconds: d.lag, ok: d.ok });
      });
    }
  }
  return out;
}
