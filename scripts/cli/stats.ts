/**
 * `mirrorhop stats`: the download report for CI and the terminal, from the store the Worker counts
 * into: D1 (through the index store, the same SQL the Worker runs) or Analytics Engine (its SQL API).
 */

import { type Config, mirrorOf } from "../config/schema.js";
import { readStatsFromAnalytics, type SqlApi } from "../../src/stats/analytics-engine.js";
import { statsReadSql } from "../../src/stats/d1-store.js";
import { statsRowsOf, statsWindowAt } from "../../src/stats/rows.js";
import { type StatsView, statsView } from "../../src/stats/stats-view.js";
import { humanSize } from "../../src/formats/size.js";
import { withStore } from "../store/store.js";
import type { Target } from "../store/target.js";

export type StatsSource = { kind: "d1"; target: Target } | { kind: "analytics-engine"; api: SqlApi };

export async function statsReport(c: Config, source: StatsSource, now = Math.floor(Date.now() / 1000)): Promise<StatsView> {
  const w = statsWindowAt(now);
  let rows;
  if (source.kind === "d1") {
    const q = statsReadSql(w);
    rows = await withStore(source.target, async (store) => {
      await store.migrate();
      const [mirrors, units, countries] = await Promise.all([q.mirrors, q.units, q.countries].map((sql) => store.query<Record<string, unknown>>(sql)));
      return statsRowsOf({ mirrors: mirrors!, units: units!, countries: countries! });
    });
  } else {
    rows = await readStatsFromAnalytics(source.api, w);
  }
  return statsView(source.kind, w, rows, c.mirrors.map(mirrorOf));
}

const pct = (r: number | null) => (r === null ? "–" : `${(r * 100).toFixed(1)} %`);

export function statsText(v: StatsView): string {
  const t = v.totals;
  const lines = [
    `downloads ${v.window.since} … ${v.window.today} (UTC), from ${v.store}`,
    `  today ${t.download.events1d}, 7 days ${t.download.events7d} (${humanSize(t.download.bytes7d)}); not counted again: ${t.resume.events7d} resumed, ${t.repeat.events7d} repeated`,
    `  documents (7 days): ${t.metalink.events7d} Metalinks, ${t.checksum.events7d} checksums, ${t.mirrorlist.events7d} mirror lists`,
    "",
    "mirror                 weight share   downloads 7 d   share 7 d   bytes share 7 d",
  ];
  for (const m of v.mirrors)
    lines.push(
      `${m.name.padEnd(22)} ${pct(m.weightShare).padStart(12)}   ${String(m.downloads.events7d).padStart(13)}   ${pct(m.share.events7d).padStart(9)}   ${pct(m.share.bytes7d).padStart(15)}`,
    );
  const why = Object.entries(v.origin.byReason)
    .map(([k, c]) => `${k} ${c.events7d}`)
    .join(", ");
  lines.push(
    `${"origin".padEnd(22)} ${"".padStart(12)}   ${String(v.origin.downloads.events7d).padStart(13)}   ${pct(v.origin.shareOfAll.events7d).padStart(9)} of all${why ? ` (${why})` : ""}`,
  );
  if (v.units.length) {
    lines.push("", "top files and repositories (7 days)");
    for (const u of v.units) lines.push(`  ${String(u.events7d).padStart(8)}  ${u.unit}`);
  }
  if (v.countries.length) lines.push("", `countries (7 days): ${v.countries.map((c) => `${c.country} ${c.events7d}`).join(", ")}`);
  return lines.join("\n");
}
