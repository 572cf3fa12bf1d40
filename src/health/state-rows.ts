/** Health state from D1 rows (drizzle's camelCase row shapes, which `mirrorhop probe` selects by alias too). */

import type { meta, mirrorHealth, mirrorStatus } from "../db/schema.js";
import type { HealthState } from "./state.js";
import { isScheme } from "./round.js";

export type StatusRow = typeof mirrorStatus.$inferSelect;
export type MirrorHealthRow = typeof mirrorHealth.$inferSelect;

/** The same selects as SQL text, with camelCase aliases, for `wrangler d1 execute --json`. */
export const STATUS_ROWS_SQL =
  "SELECT mirror_id AS mirrorId, scheme, up, since, failures, successes, checked_at AS checkedAt, last_error AS lastError, latency_ms AS latencyMs FROM mirror_status";
export const HEALTH_ROWS_SQL =
  "SELECT mirror_id AS mirrorId, trace_at AS traceAt, trace_since AS traceSince, lag_seconds AS lagSeconds, stalled, ipv4_up AS ipv4Up, ipv6_up AS ipv6Up, checked_at AS checkedAt FROM mirror_health";
export const ORIGIN_TRACE_SQL = "SELECT key, value FROM meta WHERE key = 'origin_trace'";

const bool = (v: unknown) => v === true || v === 1;
const boolOrNull = (v: unknown) => (v === null || v === undefined ? null : bool(v));

export function healthStateFromRows(status: StatusRow[], health: MirrorHealthRow[], metaRows: (typeof meta.$inferSelect)[]): HealthState {
  const trace = metaRows.find((r) => r.key === "origin_trace");
  return {
    schemes: status
      .filter((s) => isScheme(s.scheme))
      .map((s) => ({
        mirrorId: s.mirrorId,
        scheme: s.scheme as "http" | "https",
        up: bool(s.up),
        since: s.since,
        failures: s.failures,
        successes: s.successes,
        checkedAt: s.checkedAt,
        lastError: s.lastError,
        latencyMs: s.latencyMs,
      })),
    mirrors: health.map((h) => ({
      mirrorId: h.mirrorId,
      traceAt: h.traceAt,
      traceSince: h.traceSince,
      lagSeconds: h.lagSeconds,
      stalled: bool(h.stalled),
      ipv4Up: boolOrNull(h.ipv4Up),
      ipv6Up: boolOrNull(h.ipv6Up),
      checkedAt: h.checkedAt,
    })),
    originTrace: trace && Number.isFinite(Number(trace.value)) ? Number(trace.value) : null,
  };
}
