import { fc, test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import type { ProbeRecord } from "../../src/health/state.js";
import { addRound, CHART_BUCKET_SECONDS, CHART_SPAN_SECONDS, chartPoints, type LagChartData } from "../../src/status/lag-chart-data.js";

/** The oracle: what the status page computed from the probe history before, bucketed in SQL (max lag, min ok). */
function fromHistory(records: ProbeRecord[], from: number, known: Set<number>) {
  const buckets = new Map<string, { mirrorId: number; at: number; lag: number | null; ok: boolean }>();
  for (const r of records) {
    if (!known.has(r.mirrorId)) continue;
    const at = Math.floor(r.at / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS;
    if (at + CHART_BUCKET_SECONDS <= from) continue;
    const k = `${r.mirrorId}/${at}`;
    const b = buckets.get(k) ?? { mirrorId: r.mirrorId, at, lag: null, ok: true };
    if (r.lagSeconds !== null) b.lag = b.lag === null ? r.lagSeconds : Math.max(b.lag, r.lagSeconds);
    b.ok = b.ok && r.ok;
    buckets.set(k, b);
  }
  return [...buckets.values()].map((b) => ({ mirrorId: b.mirrorId, at: b.at, lagSeconds: b.lag, ok: b.ok })).sort((a, b) => a.mirrorId - b.mirrorId || a.at - b.at);
}

const round = fc.record({
  gap: fc.integer({ min: 60, max: 4 * 3600 }),
  probes: fc.array(fc.record({ mirrorId: fc.integer({ min: 1, max: 4 }), ok: fc.boolean(), lag: fc.option(fc.integer({ min: 0, max: 3 * 86_400 })) }), { maxLength: 6 }),
});

describe("the rollout chart's grid, kept by the probers", () => {
  test.prop([fc.array(round, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 60 })])("equals bucketing the whole probe history, round after round", (rounds, hours) => {
    let now = 1_800_000_000;
    let chart: LagChartData | null = null;
    const history: ProbeRecord[] = [];
    const known = [1, 2, 3];
    for (const r of rounds) {
      now += r.gap;
      const records = r.probes.map((p): ProbeRecord => ({ mirrorId: p.mirrorId, scheme: "http", family: null, at: now, ok: p.ok, lagSeconds: p.ok ? p.lag : null, latencyMs: null, error: null }));
      history.push(...records);
      chart = addRound(chart, records, now, known);
    }
    const from = now - Math.min(hours * 3600, CHART_SPAN_SECONDS);
    const got = chartPoints(chart, from).sort((a, b) => a.mirrorId - b.mirrorId || a.at - b.at);
    expect(got).toEqual(fromHistory(history, Math.max(from, Math.floor(now / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS - CHART_SPAN_SECONDS + CHART_BUCKET_SECONDS), new Set(known)));
    // 48 h of 12-minute buckets: one row whose size does not grow with the probes.
    expect(JSON.stringify(chart).length).toBeLessThan(3 * 240 * 12 + 200);
  });
});
