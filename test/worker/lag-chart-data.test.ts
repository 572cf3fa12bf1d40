import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { ProbeRecord } from "../../src/health/state.js";
import { healthWrites } from "../../src/health/health-sql.js";
import { EMPTY_HEALTH } from "../../src/health/state.js";
import {
  addRound,
  CHART_BUCKET_SECONDS,
  CHART_BUCKETS,
  CHART_SPAN_SECONDS,
  chartPoints,
  type LagChart,
  parseChartRows,
  shardOf,
} from "../../src/status/lag-chart-data.js";

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
  return [...buckets.values()]
    .map((b) => ({ mirrorId: b.mirrorId, at: b.at, lagSeconds: b.lag, ok: b.ok }))
    .sort((a, b) => a.mirrorId - b.mirrorId || a.at - b.at);
}

const round = fc.record({
  gap: fc.integer({ min: 60, max: 4 * 3600 }),
  probes: fc.array(fc.record({ mirrorId: fc.constantFrom(1, 2, 3, 4, 40, 70), ok: fc.boolean(), lag: fc.option(fc.integer({ min: 0, max: 3 * 86_400 })) }), {
    maxLength: 6,
  }),
});

describe("the rollout chart's grid, kept by the probers", () => {
  test.prop([fc.array(round, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 60 })])(
    "equals bucketing the whole probe history, round after round",
    (rounds, hours) => {
      let now = 1_800_000_000;
      let chart: LagChart = new Map();
      const history: ProbeRecord[] = [];
      // Three shards (0-31, 32-63, 64-95); mirror 4 is not known.
      const known = [1, 2, 3, 40, 70];
      for (const r of rounds) {
        now += r.gap;
        const records = r.probes.map(
          (p): ProbeRecord => ({
            mirrorId: p.mirrorId,
            scheme: "http",
            family: null,
            at: now,
            ok: p.ok,
            lagSeconds: p.ok ? p.lag : null,
            latencyMs: null,
            error: null,
          }),
        );
        history.push(...records);
        const before = chart;
        const next = addRound(chart, records, new Map(), now, known);
        chart = next.chart;
        // A round rewrites the shards of the known mirrors it probed, and leaves the others as they were.
        expect(next.changed).toEqual([...new Set(records.filter((x) => known.includes(x.mirrorId)).map((x) => shardOf(x.mirrorId)))].sort((a, b) => a - b));
        for (const [n, shard] of chart) if (!next.changed.includes(n)) expect(shard).toBe(before.get(n));
      }
      const from = now - Math.min(hours * 3600, CHART_SPAN_SECONDS);
      const got = chartPoints(chart, from).sort((a, b) => a.mirrorId - b.mirrorId || a.at - b.at);
      expect(got).toEqual(
        fromHistory(
          history,
          Math.max(from, Math.floor(now / CHART_BUCKET_SECONDS) * CHART_BUCKET_SECONDS - CHART_SPAN_SECONDS + CHART_BUCKET_SECONDS),
          new Set(known),
        ),
      );
      // 48 h of 12-minute buckets: rows whose size does not grow with the probes.
      for (const shard of chart.values()) expect(JSON.stringify(shard).length).toBeLessThan(2 * 240 * 12 + 200);
    },
  );
});

describe("the chart's rows", () => {
  it("the single row of format 1 is read as shards, and the next round writes every shard and removes it", () => {
    const grid = (v: number) => [...new Array<number | null>(CHART_BUCKETS - 1).fill(null), v];
    const end = 1_800_000_000 - (1_800_000_000 % CHART_BUCKET_SECONDS);
    const { chart, legacy } = parseChartRows([
      { key: "status_chart", value: JSON.stringify({ format: 1, end, series: { 1: grid(5), 40: grid(7) } }) },
      { key: "status_chart:9", value: "{not json" },
    ]);
    expect(legacy).toBe(true);
    expect([...chart.keys()].sort()).toEqual([0, 1]);
    expect(chartPoints(chart, 0).map((p) => [p.mirrorId, p.lagSeconds])).toEqual([
      [1, 5],
      [40, 7],
    ]);
    const state = {
      ...EMPTY_HEALTH,
      mirrors: [1, 40].map((id) => ({ mirrorId: id, traceAt: null, traceSince: null, lagSeconds: null, stalled: false, ipv4Up: null, ipv6Up: null })),
    };
    const round = addRound(chart, [], new Map(), end + 60, [1, 40]);
    const sql = healthWrites({ prev: EMPTY_HEALTH, next: state, history: [], now: end + 60, historyDays: 14, chart: round, legacyChart: legacy });
    expect(sql.filter((q) => q.includes("'status_chart:0'") || q.includes("'status_chart:1'")).filter((q) => q.startsWith("INSERT"))).toHaveLength(2);
    expect(sql).toContain("DELETE FROM meta WHERE key = 'status_chart';");
  });
});
