/**
 * The D1 reads behind the status page: mirrors with their push statistics, the probe state, and
 * the rollout chart's grid, which the probers keep up to date in meta rows of 32 mirrors each.
 * Nothing here reads the probe history: a view costs about one row per mirror and scheme, whatever the window.
 */

import { drizzle } from "drizzle-orm/d1";
import { inArray, like, or } from "drizzle-orm";
import { mirrorFromRow } from "../db/rows.js";
import { meta, mirrorHealth, mirrors, mirrorStatus } from "../db/schema.js";
import { healthStateFromRows } from "../health/state-rows.js";
import { chartChecks, CHART_KEY_PREFIX, chartPoints, LEGACY_CHART_KEY, parseChartRows } from "../status/lag-chart-data.js";
import type { StatusInputs } from "../status/status-view.js";

export async function readStatusInputs(
  db: D1Database,
  window: { from: number; to: number },
): Promise<Omit<StatusInputs, "now" | "policy" | "generation"> & { generation: string; policyJson: string | null }> {
  const d = drizzle(db);
  const [mirrorRows, statusRows, healthRows, metaRows] = await Promise.all([
    d.select().from(mirrors).orderBy(mirrors.id).all(),
    d.select().from(mirrorStatus).all(),
    d.select().from(mirrorHealth).all(),
    d
      .select()
      .from(meta)
      .where(
        or(inArray(meta.key, ["origin_trace", "probed_at", "file_count", "generation", "policy", LEGACY_CHART_KEY]), like(meta.key, `${CHART_KEY_PREFIX}%`)),
      )
      .all(),
  ]);
  const metaMap = new Map(metaRows.map((r) => [r.key, r.value]));
  const { chart } = parseChartRows(metaRows);
  const num = (k: string) => (metaMap.has(k) && Number.isFinite(Number(metaMap.get(k))) ? Number(metaMap.get(k)) : null);
  return {
    mirrors: mirrorRows.map((r) => ({ ...mirrorFromRow(r), filesHeld: r.filesHeld, lastScanAt: r.lastScanAt })),
    health: healthStateFromRows(statusRows, healthRows, metaRows, chartChecks(chart)),
    fileCount: num("file_count") ?? 0,
    probedAt: num("probed_at"),
    history: chartPoints(chart, window.from),
    window,
    generation: metaMap.get("generation") ?? "",
    policyJson: metaMap.get("policy") ?? null,
  };
}
