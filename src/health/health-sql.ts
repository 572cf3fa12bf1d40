/**
 * The writes of one probe round as SQL text, so that the edge cron (D1 batch) and `mirrorhop probe`
 * (through the push's store) write exactly the same thing. Rows for a mirror that left D1 meanwhile
 * are skipped (INSERT … SELECT … WHERE EXISTS) instead of failing the batch on the foreign key.
 *
 * A round writes what changed, not every row: a state row when the mirror's state did, a history
 * row per failed probe, the chart shards of the mirrors it probed, and the round's time. A steady
 * network of any size costs a few rows per round (docs/health.md, "What a round writes").
 */

import { lit, upsertMeta } from "../db/sql-literal.js";
import type { HealthPolicy } from "../core/policy.js";
import { addRound, CHART_KEY_PREFIX, LEGACY_CHART_KEY, type RoundChart, type SchemeCheck, shardKey, shardOf } from "../status/lag-chart-data.js";
import { type HealthDoc, healthDocDigest, healthDocDue, healthDocOf } from "./health-doc.js";
import type { RoundInputs } from "./state-rows.js";
import type { HealthState, MirrorHealth, ProbeRecord, SchemeStatus } from "./state.js";

const HISTORY_ROWS_PER_STATEMENT = 200;

/** The mirrors a round's state knows: the chart keeps series for these only. */
export function stateMirrorIds(state: HealthState): number[] {
  return [...new Set([...state.mirrors.map((m) => m.mirrorId), ...state.schemes.map((s) => s.mirrorId)])];
}

/** Every scheme's last check in a state, for the chart shards to carry. */
export function stateChecks(state: HealthState): Map<string, SchemeCheck> {
  const out = new Map<string, SchemeCheck>();
  for (const s of state.schemes) if (s.checkedAt !== null) out.set(`${s.mirrorId}/${s.scheme}`, [s.checkedAt, s.latencyMs]);
  return out;
}

// The stored fields of each row; checkedAt, latencyMs and lagSeconds are not stored (see state-rows.ts).
const schemeChanged = (a: SchemeStatus, b: SchemeStatus) =>
  a.up !== b.up || a.since !== b.since || a.failures !== b.failures || a.successes !== b.successes || a.lastError !== b.lastError;
const mirrorChanged = (a: MirrorHealth, b: MirrorHealth) =>
  a.traceAt !== b.traceAt || a.traceSince !== b.traceSince || a.stalled !== b.stalled || a.ipv4Up !== b.ipv4Up || a.ipv6Up !== b.ipv6Up;

export interface RoundWritesInput {
  /** The state as the round read it from D1, and the state after the round. */
  prev: HealthState;
  next: HealthState;
  history: readonly ProbeRecord[];
  now: number;
  historyDays: number;
  chart: RoundChart;
  /** The chart was read from the single row of format 1: every shard is written and that row removed. */
  legacyChart: boolean;
}

export function healthWrites({ prev, next, history, now, historyDays, chart, legacyChart }: RoundWritesInput): string[] {
  const out: string[] = [];
  const ifMirror = (id: number) => `WHERE EXISTS (SELECT 1 FROM mirrors WHERE id = ${lit(id)})`;
  const prevSchemes = new Map(prev.schemes.map((s) => [`${s.mirrorId}/${s.scheme}`, s]));
  for (const s of next.schemes) {
    const was = prevSchemes.get(`${s.mirrorId}/${s.scheme}`);
    if (was && !schemeChanged(was, s)) continue;
    out.push(
      `INSERT INTO mirror_status (mirror_id, scheme, up, since, failures, successes, last_error) SELECT ${[s.mirrorId, s.scheme, s.up, s.since, s.failures, s.successes, s.lastError].map(lit).join(", ")} ${ifMirror(s.mirrorId)} ` +
        "ON CONFLICT(mirror_id, scheme) DO UPDATE SET up=excluded.up, since=excluded.since, failures=excluded.failures, successes=excluded.successes, last_error=excluded.last_error;",
    );
  }
  const prevMirrors = new Map(prev.mirrors.map((h) => [h.mirrorId, h]));
  for (const h of next.mirrors) {
    const was = prevMirrors.get(h.mirrorId);
    if (was && !mirrorChanged(was, h)) continue;
    out.push(
      `INSERT INTO mirror_health (mirror_id, trace_at, trace_since, stalled, ipv4_up, ipv6_up) SELECT ${[h.mirrorId, h.traceAt, h.traceSince, h.stalled, h.ipv4Up, h.ipv6Up].map(lit).join(", ")} ${ifMirror(h.mirrorId)} ` +
        "ON CONFLICT(mirror_id) DO UPDATE SET trace_at=excluded.trace_at, trace_since=excluded.trace_since, stalled=excluded.stalled, ipv4_up=excluded.ipv4_up, ipv6_up=excluded.ipv6_up;",
    );
  }
  // Successes are in the chart; the history keeps what went wrong.
  const failed = history.filter((r) => !r.ok);
  for (let i = 0; i < failed.length; i += HISTORY_ROWS_PER_STATEMENT) {
    const rows = failed
      .slice(i, i + HISTORY_ROWS_PER_STATEMENT)
      .map(
        (r) =>
          `(${[r.mirrorId, r.scheme, r.family, r.at, r.ok, r.lagSeconds, r.latencyMs, r.error === null ? null : r.error.slice(0, 300)].map(lit).join(", ")})`,
      );
    // SQLite names the columns of a VALUES list column1, column2, …
    out.push(
      `INSERT INTO probe_history (mirror_id, scheme, family, at, ok, lag_seconds, latency_ms, error) SELECT * FROM (VALUES ${rows.join(", ")}) AS r WHERE EXISTS (SELECT 1 FROM mirrors WHERE id = r.column1);`,
    );
  }
  out.push(`DELETE FROM probe_history WHERE at < ${lit(now - historyDays * 86_400)};`);
  if (next.originTrace !== null && next.originTrace !== prev.originTrace) out.push(upsertMeta("origin_trace", String(next.originTrace)));
  out.push(upsertMeta("probed_at", String(now)));

  for (const n of legacyChart ? [...chart.chart.keys()] : chart.changed) out.push(upsertMeta(shardKey(n), JSON.stringify(chart.chart.get(n))));
  if (legacyChart) out.push(`DELETE FROM meta WHERE key = ${lit(LEGACY_CHART_KEY)};`);
  // Shards whose mirrors are all gone; deleting nothing writes nothing.
  const live = [...new Set(stateMirrorIds(next).map(shardOf))].map((n) => lit(shardKey(n)));
  out.push(`DELETE FROM meta WHERE key LIKE ${lit(`${CHART_KEY_PREFIX}%`)}${live.length ? ` AND key NOT IN (${live.join(", ")})` : ""};`);
  return out;
}

export interface RoundOutput {
  statements: string[];
  /** The document for KV, when due (healthDocDue), with its digest; null when KV keeps the one it has. */
  doc: { doc: HealthDoc; digest: string } | null;
}

/** Everything a round writes, from what it read and what it found: one function for both probers. */
export async function roundWrites(
  inputs: RoundInputs,
  next: HealthState,
  history: readonly ProbeRecord[],
  now: number,
  policy: Pick<HealthPolicy, "historyDays" | "verdictMaxAgeSeconds">,
): Promise<RoundOutput> {
  const chart = addRound(inputs.chart, history, stateChecks(next), now, stateMirrorIds(next));
  const statements = healthWrites({ prev: inputs.prev, next, history, now, historyDays: policy.historyDays, chart, legacyChart: inputs.legacyChart });
  const doc = healthDocOf(next, now);
  const digest = await healthDocDigest(doc);
  return { statements, doc: healthDocDue(digest, now, inputs.lastDoc, policy.verdictMaxAgeSeconds) ? { doc, digest } : null };
}
