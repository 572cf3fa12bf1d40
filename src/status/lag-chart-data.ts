/**
 * The rollout chart's data, kept up to date by the probers instead of recomputed per view: each
 * probe round folds its results into a fixed grid (48 h of 12-minute buckets per mirror) stored as
 * one D1 meta row. A status view then reads that row, never the probe history: its cost no longer
 * grows with the window or the number of probes (docs/health.md, "Plans and limits").
 */

import type { ProbeRecord } from "../health/state.js";

export const CHART_KEY = "status_chart";
export const CHART_BUCKET_SECONDS = 720;
export const CHART_BUCKETS = 240;
export const CHART_SPAN_SECONDS = CHART_BUCKET_SECONDS * CHART_BUCKETS;

/**
 * One number per bucket: null no probe; n >= 0 every probe answered, the worst lag n seconds;
 * -1 answered without a known lag; -2 a probe failed (lag unknown); -3 - n a probe failed, the
 * worst lag of the others n. The bucket keeps the worst of its probes, as a max/min over the history did.
 */
export interface LagChartData {
  format: 1;
  /** Start of the newest bucket (Unix seconds); the grid's last entry. */
  end: number;
  series: Record<string, (number | null)[]>;
}

export interface ChartPoint {
  mirrorId: number;
  at: number;
  lagSeconds: number | null;
  ok: boolean;
}

const encode = (ok: boolean, lag: number | null): number => (ok ? (lag === null ? -1 : lag) : lag === null ? -2 : -3 - lag);
const decode = (v: number): { ok: boolean; lag: number | null } => (v >= 0 ? { ok: true, lag: v } : v === -1 ? { ok: true, lag: null } : v === -2 ? { ok: false, lag: null } : { ok: false, lag: -v - 3 });

function merge(prev: number | null, ok: boolean, lag: number | null): number {
  if (prev === null) return encode(ok, lag);
  const p = decode(prev);
  const worst = p.lag === null ? lag : lag === null ? p.lag : Math.max(p.lag, lag);
  return encode(p.ok && ok, worst);
}

export function parseChart(json: string | null | undefined): LagChartData | null {
  if (!json) return null;
  try {
    const c = JSON.parse(json) as LagChartData;
    return c && c.format === 1 && Number.isFinite(c.end) && typeof c.series === "object" && c.series !== null ? c : null;
  } catch {
    return null;
  }
}

/** The grid moved to `now`'s bucket, with this round's probes folded in; mirrors no longer known are dropped. */
export function addRound(prev: LagChartData | null, records: ProbeRecord[], now: number, knownMirrors: readonly number[]): LagChartData {
  const end = Math.floor(now / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS;
  const shift = prev ? Math.max(0, Math.round((end - prev.end) / CHART_BUCKET_SECONDS)) : CHART_BUCKETS;
  const series: Record<string, (number | null)[]> = {};
  for (const id of knownMirrors) {
    const old = prev?.series[id];
    const grid = new Array<number | null>(CHART_BUCKETS).fill(null);
    if (old && shift < CHART_BUCKETS) for (let i = shift; i < CHART_BUCKETS; i++) grid[i - shift] = old[i] ?? null;
    series[id] = grid;
  }
  for (const r of records) {
    const grid = series[r.mirrorId];
    if (!grid) continue;
    const i = CHART_BUCKETS - 1 - Math.round((end - Math.floor(r.at / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS) / CHART_BUCKET_SECONDS);
    if (i >= 0 && i < CHART_BUCKETS) grid[i] = merge(grid[i] ?? null, r.ok, r.lagSeconds);
  }
  // Mirrors with no point left are not stored: the row stays small for mirrors never probed.
  for (const [id, grid] of Object.entries(series)) if (grid.every((v) => v === null)) delete series[id];
  return { format: 1, end, series };
}

/** The points from `from` on, oldest first, as the chart draws them. */
export function chartPoints(c: LagChartData | null, from: number): ChartPoint[] {
  if (!c) return [];
  const out: ChartPoint[] = [];
  for (const [id, grid] of Object.entries(c.series)) {
    grid.forEach((v, i) => {
      const at = c.end - (CHART_BUCKETS - 1 - i) * CHART_BUCKET_SECONDS;
      if (v === null || at + CHART_BUCKET_SECONDS <= from) return;
      const d = decode(v);
      out.push({ mirrorId: Number(id), at, lagSeconds: d.lag, ok: d.ok });
    });
  }
  return out;
}
