/**
 * `mirrorhop mirrors`: every mirror with its state as the edge sees it (up per scheme, lag,
 * coverage, last scan and probe, what keeps it from serving), from the store the Worker reads,
 * through the same pure view as the status page.
 */

import { duration, ago } from "../../src/formats/status-page.js";
import { HEALTH_ROWS_SQL, type MirrorHealthRow, ROUND_META_SQL, roundInputsOf, STATUS_ROWS_SQL, type StatusRow } from "../../src/health/state-rows.js";
import { CHART_SPAN_SECONDS } from "../../src/status/lag-chart-data.js";
import { type StatusView, statusView } from "../../src/status/status-view.js";
import { type Config, mirrorOf } from "../config/schema.js";
import { withStore } from "../store/store.js";
import type { Target } from "../store/target.js";

export async function mirrorsReport(c: Config, target: Target, now = Math.floor(Date.now() / 1000)): Promise<StatusView> {
  const read = await withStore(target, async (store) => {
    await store.migrate();
    const [status, health, roundMeta, pushed, meta] = await Promise.all([
      store.query<StatusRow>(STATUS_ROWS_SQL),
      store.query<MirrorHealthRow>(HEALTH_ROWS_SQL),
      store.query<{ key: string; value: string }>(ROUND_META_SQL),
      store.query<{ id: number; filesHeld: number; lastScanAt: number | null }>("SELECT id, files_held AS filesHeld, last_scan_at AS lastScanAt FROM mirrors"),
      store.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('probed_at', 'file_count', 'generation')"),
    ]);
    return { inputs: roundInputsOf(status, health, roundMeta), pushed, meta: new Map(meta.map((r) => [r.key, r.value])) };
  });
  const byId = new Map(read.pushed.map((r) => [r.id, r]));
  return statusView({
    now,
    generation: read.meta.get("generation") ?? "",
    policy: c.policy,
    // The config's mirrors: the ones this command's user means; what the push recorded for each.
    mirrors: c.mirrors.map(mirrorOf).map((m) => ({ ...m, filesHeld: byId.get(m.id)?.filesHeld ?? 0, lastScanAt: byId.get(m.id)?.lastScanAt ?? null })),
    health: read.inputs.prev,
    fileCount: Number(read.meta.get("file_count") ?? 0),
    probedAt: read.meta.has("probed_at") ? Number(read.meta.get("probed_at")) : null,
    history: [],
    window: { from: now - CHART_SPAN_SECONDS, to: now },
  });
}

export function mirrorsText(v: StatusView): string {
  const rows = v.mirrors.map((m) => {
    const scheme = (s: "http" | "https") => (!m.urls[s] ? "-" : m.schemes[s] ? (m.schemes[s]!.up ? "up" : "DOWN") : "?");
    const notes = [
      !m.enabled ? "disabled" : "",
      m.lagging ? "skipped: lag over limit" : "",
      m.stalled ? "stalled" : "",
      m.claimsExpired ? "holds nothing (no recent scan)" : "",
    ]
      .filter(Boolean)
      .join(", ");
    return [
      m.name,
      m.country,
      scheme("http"),
      scheme("https"),
      duration(m.lagSeconds),
      m.coverage === null ? "-" : `${(m.coverage * 100).toFixed(1)} %`,
      ago(v.generatedAt, m.lastScanAt),
      ago(v.generatedAt, m.lastProbeAt),
      notes,
    ];
  });
  const head = ["mirror", "country", "http", "https", "lag", "coverage", "last scan", "last probe", "notes"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  const serving = v.mirrors.filter((m) => m.enabled && Object.values(m.schemes).some((s) => s.up) && !m.lagging).length;
  return [
    line(head),
    ...rows.map(line),
    "",
    `${serving} of ${v.mirrors.length} mirrors serving; last probe round ${ago(v.generatedAt, v.probedAt)}; ${v.fileCount} files`,
  ].join("\n");
}
