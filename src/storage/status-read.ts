/**
 * The D1 reads behind the status page: mirrors with their push statistics, the probe state, and
 * the probe history of the chart window, bucketed in SQL so the answer stays small whatever the window.
 */

import { drizzle } from "drizzle-orm/d1";
import { and, gte, inArray, sql } from "drizzle-orm";
import { mirrorFromRow } from "../db/rows.js";
import { meta, mirrorHealth, mirrors, mirrorStatus, probeHistory } from "../db/schema.js";
import { healthStateFromRows } from "../health/state-rows.js";
import type { StatusInputs } from "../status/status-view.js";

/** Points per mirror in the chart, at most. */
const CHART_BUCKETS = 240;

export async function readStatusInputs(db: D1Database, window: { from: number; to: number }, opts: { history?: boolean } = {}): Promise<Omit<StatusInputs, "now" | "policy" | "generation"> & { generation: string; policyJson: string | null }> {
  const d = drizzle(db);
  const bucket = Math.max(1, Math.ceil((window.to - window.from) / CHART_BUCKETS));
  const t = sql<number>`(${probeHistory.at} / ${bucket}) * ${bucket}`;
  const [mirrorRows, statusRows, healthRows, metaRows, history] = await Promise.all([
    d.select().from(mirrors).orderBy(mirrors.id).all(),
    d.select().from(mirrorStatus).all(),
    d.select().from(mirrorHealth).all(),
    d.select().from(meta).where(inArray(meta.key, ["origin_trace", "probed_at", "file_count", "generation", "policy"])).all(),
    // The metrics show no chart: they skip the one read that grows with the window and the mirror count.
    opts.history === false
      ? Promise.resolve([] as { mirrorId: number; at: number; lagSeconds: number | null; ok: number }[])
      : d
      .select({ mirrorId: probeHistory.mirrorId, at: t.as("t"), lagSeconds: sql<number | null>`max(${probeHistory.lagSeconds})`, ok: sql<number>`min(${probeHistory.ok})` })
      .from(probeHistory)
      .where(and(gte(probeHistory.at, window.from)))
      .groupBy(probeHistory.mirrorId, sql`t`)
      .all(),
  ]);
  const metaMap = new Map(metaRows.map((r) => [r.key, r.value]));
  const num = (k: string) => (metaMap.has(k) && Number.isFinite(Number(metaMap.get(k))) ? Number(metaMap.get(k)) : null);
  return {
    mirrors: mirrorRows.map((r) => ({ ...mirrorFromRow(r), filesHeld: r.filesHeld, lastScanAt: r.lastScanAt })),
    health: healthStateFromRows(statusRows, healthRows, metaRows),
    fileCount: num("file_count") ?? 0,
    probedAt: num("probed_at"),
    history: history.map((h) => ({ mirrorId: h.mirrorId, at: Number(h.at), lagSeconds: h.lagSeconds === null ? null : Number(h.lagSeconds), ok: Number(h.ok) === 1 })),
    window,
    generation: metaMap.get("generation") ?? "",
    policyJson: metaMap.get("policy") ?? null,
  };
}
