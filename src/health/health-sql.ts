/**
 * The writes of one probe round as SQL text, so that the edge cron (D1 batch) and `mirrorhop probe`
 * (`wrangler d1 execute --file`) write exactly the same thing. Rows for a mirror that left D1 meanwhile
 * are skipped (INSERT … SELECT … WHERE EXISTS) instead of failing the batch on the foreign key.
 */

import { lit, upsertMeta } from "../db/sql-literal.js";
import { CHART_KEY, type LagChartData } from "../status/lag-chart-data.js";
import type { HealthState, ProbeRecord } from "./state.js";

const HISTORY_ROWS_PER_STATEMENT = 200;

/** The mirrors a round's state knows: the chart keeps series for these only. */
export function stateMirrorIds(state: HealthState): number[] {
  return [...new Set([...state.mirrors.map((m) => m.mirrorId), ...state.schemes.map((s) => s.mirrorId)])];
}

export function healthWrites(state: HealthState, history: ProbeRecord[], now: number, historyDays: number, chart: LagChartData): string[] {
  const out: string[] = [];
  const ifMirror = (id: number) => `WHERE EXISTS (SELECT 1 FROM mirrors WHERE id = ${lit(id)})`;
  for (const s of state.schemes) {
    out.push(
      `INSERT INTO mirror_status (mirror_id, scheme, up, since, failures, successes, checked_at, last_error, latency_ms) SELECT ${[s.mirrorId, s.scheme, s.up, s.since, s.failures, s.successes, s.checkedAt, s.lastError, s.latencyMs].map(lit).join(", ")} ${ifMirror(s.mirrorId)} ` +
        "ON CONFLICT(mirror_id, scheme) DO UPDATE SET up=excluded.up, since=excluded.since, failures=excluded.failures, successes=excluded.successes, checked_at=excluded.checked_at, last_error=excluded.last_error, latency_ms=excluded.latency_ms;",
    );
  }
  for (const h of state.mirrors) {
    out.push(
      `INSERT INTO mirror_health (mirror_id, trace_at, trace_since, lag_seconds, stalled, ipv4_up, ipv6_up, checked_at) SELECT ${[h.mirrorId, h.traceAt, h.traceSince, h.lagSeconds, h.stalled, h.ipv4Up, h.ipv6Up, h.checkedAt].map(lit).join(", ")} ${ifMirror(h.mirrorId)} ` +
        "ON CONFLICT(mirror_id) DO UPDATE SET trace_at=excluded.trace_at, trace_since=excluded.trace_since, lag_seconds=excluded.lag_seconds, stalled=excluded.stalled, ipv4_up=excluded.ipv4_up, ipv6_up=excluded.ipv6_up, checked_at=excluded.checked_at;",
    );
  }
  for (let i = 0; i < history.length; i += HISTORY_ROWS_PER_STATEMENT) {
    const rows = history
      .slice(i, i + HISTORY_ROWS_PER_STATEMENT)
      .map((r) => `(${[r.mirrorId, r.scheme, r.family, r.at, r.ok, r.lagSeconds, r.latencyMs, r.error === null ? null : r.error.slice(0, 300)].map(lit).join(", ")})`);
    // SQLite names the columns of a VALUES list column1, column2, …
    out.push(
      `INSERT INTO probe_history (mirror_id, scheme, family, at, ok, lag_seconds, latency_ms, error) SELECT * FROM (VALUES ${rows.join(", ")}) AS r WHERE EXISTS (SELECT 1 FROM mirrors WHERE id = r.column1);`,
    );
  }
  out.push(`DELETE FROM probe_history WHERE at < ${lit(now - historyDays * 86_400)};`);
  if (state.originTrace !== null) out.push(upsertMeta("origin_trace", String(state.originTrace)));
  out.push(upsertMeta("probed_at", String(now)));
  out.push(upsertMeta(CHART_KEY, JSON.stringify(chart)));
  return out;
}
