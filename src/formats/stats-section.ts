/**
 * The status page's downloads section: each mirror's share of downloads and bytes next to its
 * weight share (is the policy doing what the weights say?), the origin's share and why, the top
 * files and the client countries.
 */

import type { StatsResult } from "../storage/stats-read.js";
import type { Counts } from "../stats/rows.js";
import { humanSize } from "./size.js";
import { esc } from "./xml.js";

const pct = (r: number | null) => (r === null ? "–" : `${(r * 100).toFixed(1)} %`);
const num = (n: number) => n.toLocaleString("en-US");

/** A share drawn as a bar, the weight share as a tick on it: the gap between them is the point. */
function shareBar(share: number | null, weightShare: number): string {
  const w = Math.round(Math.min(1, share ?? 0) * 120);
  const tick = Math.round(Math.min(1, weightShare) * 120);
  return `<svg width="124" height="12" role="img" aria-label="share ${pct(share)}, weight ${pct(weightShare)}"><rect x="0" y="2" width="120" height="8" fill="#eee"/><rect x="0" y="2" width="${w}" height="8" fill="#3a78c2"/><rect x="${tick}" y="0" width="2" height="12" fill="#b02a1a"/></svg>`;
}

const countCells = (c: Counts) => `<td>${num(c.events1d)}</td><td>${num(c.events7d)}</td><td>${humanSize(c.bytes7d)}</td>`;

export function statsSectionHtml(r: StatsResult): string {
  if (!r.ok) return `<h2 id="downloads">Downloads</h2>\n<p class="unknown" id="stats-unavailable">${esc(r.reason)}</p>`;
  const v = r.view;
  const rows = v.mirrors.map(
    (
      m,
    ) => `<tr data-stats-mirror="${esc(m.name)}" data-weight-share="${m.weightShare.toFixed(4)}" data-share-7d="${m.share.events7d === null ? "" : m.share.events7d.toFixed(4)}"${m.enabled ? "" : ' class="disabled"'}>
<th scope="row">${esc(m.name)}</th><td>${num(m.weight)} <small>(${pct(m.weightShare)})</small></td>${countCells(m.downloads)}<td class="share">${pct(m.share.events1d)}</td><td class="share">${pct(m.share.events7d)} ${shareBar(m.share.events7d, m.weightShare)}</td><td>${pct(m.share.bytes7d)}</td></tr>`,
  );
  const reasons = Object.entries(v.origin.byReason)
    .sort((a, b) => b[1].events7d - a[1].events7d)
    .map(([why, c]) => `${esc(why)} ${num(c.events7d)}`)
    .join(", ");
  const t = v.totals;
  const units = v.units.map((u) => `<tr><td>${esc(u.unit)}</td><td>${num(u.events1d)}</td><td>${num(u.events7d)}</td><td>${humanSize(u.bytes7d)}</td></tr>`);
  const countries = v.countries.map((c) => `<tr><td>${esc(c.country)}</td><td>${num(c.events1d)}</td><td>${num(c.events7d)}</td></tr>`);
  return `<h2 id="downloads">Downloads</h2>
<p class="summary"><span>today ${num(t.download.events1d)} downloads, 7 days ${num(t.download.events7d)} (${humanSize(t.download.bytes7d)})</span>
<span>not counted again: ${num(t.resume.events7d)} resumed, ${num(t.repeat.events7d)} repeated</span>
<span>documents: ${num(t.metalink.events7d)} Metalinks, ${num(t.checksum.events7d)} checksums, ${num(t.mirrorlist.events7d)} mirror lists</span></p>
<div class="wide"><table id="shares"><thead><tr><th>Mirror</th><th>Weight</th><th>Today</th><th>7 days</th><th>Bytes (7 d)</th><th>Share today</th><th>Share 7 d <small>(red: weight share)</small></th><th>Bytes share 7 d</th></tr></thead>
<tbody>
${rows.join("\n")}
<tr data-stats-mirror="origin"><th scope="row">origin</th><td></td>${countCells(v.origin.downloads)}<td colspan="3">${pct(v.origin.shareOfAll.events7d)} of all downloads${reasons ? ` <small>(${reasons})</small>` : ""}</td></tr>
</tbody></table></div>
<p><small>Shares are of the downloads sent to mirrors, days in UTC (today and the six days before). Weights decide within a tier; country, region and coverage decide first, so shares follow weights only among mirrors that serve the same clients.
Counted from ${esc(v.store)}; GET only, a resumed or repeated download counts once.</small></p>
<div class="wide"><table id="top-files"><thead><tr><th>Top files and repositories</th><th>Today</th><th>7 days</th><th>Bytes (7 d)</th></tr></thead><tbody>
${units.join("\n")}
</tbody></table></div>
<div class="wide"><table id="countries"><thead><tr><th>Client country</th><th>Today</th><th>7 days</th></tr></thead><tbody>
${countries.join("\n")}
</tbody></table></div>
<p><small>JSON: <a href="/_mirrorhop/api/stats">/_mirrorhop/api/stats</a></small></p>`;
}
