/**
 * Health state from D1 rows (drizzle's camelCase row shapes, which `mirrorhop probe` selects by alias
 * too). The rows hold only what changes when a mirror's state does; what changes with every probe
 * (when it was checked, how fast it answered) lives in the chart's shards and is merged in here, and
 * the lag is derived from the two traces rather than stored (docs/health.md, "What a round writes").
 */

import type { meta, mirrorHealth, mirrorStatus } from "../db/schema.js";
import { chartChecks, CHART_KEY_PREFIX, type LagChart, LEGACY_CHART_KEY, parseChartRows, type SchemeCheck } from "../status/lag-chart-data.js";
import { HEALTH_DOC_META, parseWrittenDoc, type WrittenDoc } from "./health-doc.js";
import type { HealthState } from "./state.js";
import { isScheme } from "./round.js";
import { lagOf } from "./trace.js";

export type StatusRow = typeof mirrorStatus.$inferSelect;
export type MirrorHealthRow = typeof mirrorHealth.$inferSelect;

/** The same selects as SQL text, with camelCase aliases, for `wrangler d1 execute --json`. */
export const STATUS_ROWS_SQL = "SELECT mirror_id AS mirrorId, scheme, up, since, failures, successes, last_error AS lastError FROM mirror_status";
export const HEALTH_ROWS_SQL =
  "SELECT mirror_id AS mirrorId, trace_at AS traceAt, trace_since AS traceSince, stalled, ipv4_up AS ipv4Up, ipv6_up AS ipv6Up FROM mirror_health";

const bool = (v: unknown) => v === true || v === 1;
const boolOrNull = (v: unknown) => (v === null || v === undefined ? null : bool(v));

export function healthStateFromRows(
  status: StatusRow[],
  health: MirrorHealthRow[],
  metaRows: (typeof meta.$inferSelect)[],
  checks: ReadonlyMap<string, SchemeCheck> = new Map(),
): HealthState {
  const trace = metaRows.find((r) => r.key === "origin_trace");
  const originTrace = trace && Number.isFinite(Number(trace.value)) ? Number(trace.value) : null;
  return {
    schemes: status
      .filter((s) => isScheme(s.scheme))
      .map((s) => {
        const check = checks.get(`${s.mirrorId}/${s.scheme}`);
        return {
          mirrorId: s.mirrorId,
          scheme: s.scheme as "http" | "https",
          up: bool(s.up),
          since: s.since,
          failures: s.failures,
          successes: s.successes,
          checkedAt: check?.[0] ?? null,
          lastError: s.lastError,
          latencyMs: check?.[1] ?? null,
        };
      }),
    mirrors: health.map((h) => ({
      mirrorId: h.mirrorId,
      traceAt: h.traceAt,
      traceSince: h.traceSince,
      lagSeconds: lagOf(originTrace, h.traceAt),
      stalled: bool(h.stalled),
      ipv4Up: boolOrNull(h.ipv4Up),
      ipv6Up: boolOrNull(h.ipv6Up),
    })),
    originTrace,
  };
}

/** What a probe round starts from: the state, the chart, and the document last written to KV. */
export interface RoundInputs {
  prev: HealthState;
  chart: LagChart;
  legacyChart: boolean;
  lastDoc: WrittenDoc | null;
}

/** The meta rows a round reads besides the state rows, as SQL for `mirrorhop probe`'s store. */
export const ROUND_META_SQL = `SELECT key, value FROM meta WHERE key IN ('origin_trace', '${LEGACY_CHART_KEY}', '${HEALTH_DOC_META}') OR key LIKE '${CHART_KEY_PREFIX}%'`;

/** Round inputs from rows however they were read (the edge through drizzle, `mirrorhop probe` through the store). */
export function roundInputsOf(status: StatusRow[], health: MirrorHealthRow[], metaRows: { key: string; value: string }[]): RoundInputs {
  const { chart, legacy } = parseChartRows(metaRows);
  return {
    prev: healthStateFromRows(status, health, metaRows, chartChecks(chart)),
    chart,
    legacyChart: legacy,
    lastDoc: parseWrittenDoc(metaRows.find((r) => r.key === HEALTH_DOC_META)?.value),
  };
}
