/** The status page: one row per mirror (up per scheme, lag, coverage, scans, probes) and the rollout chart. */

import type { MirrorStatusView, StatusView } from "../status/status-view.js";
import { lagChartSvg } from "./lag-chart.js";
import { statsSectionHtml } from "./stats-section.js";
import type { StatsResult } from "../storage/stats-read.js";
import { esc } from "./xml.js";
import { LIVE_SCRIPT_TAG, livePart } from "./live-refresh.js";

export function ago(now: number, t: number | null): string {
  if (t === null) return "never";
  const s = Math.max(0, now - t);
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

export function duration(s: number | null): string {
  if (s === null) return "unknown";
  if (s === 0) return "current";
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 8640) / 10} d`;
}

const iso = (t: number | null) => (t === null ? "" : new Date(t * 1000).toISOString());
/** A time as people read it: "2026-12-05 06:33 UTC". */
const when = (t: number) => new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";

let countryNames: Intl.DisplayNames | null | undefined;
/** "Germany" for "DE"; the code itself where the runtime has no names for it. */
export function countryName(code: string): string {
  if (countryNames === undefined) {
    try {
      countryNames = new Intl.DisplayNames(["en"], { type: "region" });
    } catch {
      countryNames = null;
    }
  }
  try {
    return countryNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

function schemeCell(m: MirrorStatusView, scheme: "http" | "https"): string {
  if (!m.urls[scheme]) return `<td class="na">–</td>`;
  const s = m.schemes[scheme];
  if (!s) return `<td class="unknown" data-state="unknown">not probed</td>`;
  // `since` is when the state last changed; null: it never has, since the first probe.
  const title = s.up
    ? s.since === null
      ? "up since its first probe"
      : `up since ${when(s.since)}`
    : `down${s.since === null ? "" : ` since ${when(s.since)}`}: ${s.lastError ?? ""}`;
  return `<td class="${s.up ? "up" : "down"}" data-scheme="${scheme}" data-state="${s.up ? "up" : "down"}" title="${esc(title)}">${s.up ? "up" : "down"}${s.latencyMs !== null ? ` <small>${s.latencyMs} ms</small>` : ""}${!s.up && s.lastError ? `<br><small>${esc(s.lastError)}</small>` : ""}</td>`;
}

function familyCell(m: MirrorStatusView): string {
  const why = "per address family, from `mirrorhop probe` (the edge cron cannot choose a family)";
  if (m.ipv4Up === null && m.ipv6Up === null) return `<td class="unknown" title="${esc(why)}">not probed</td>`;
  const f = (up: boolean | null) => (up === null ? "not probed" : up ? "✓" : "✗");
  return `<td title="${esc(why)}">${f(m.ipv4Up)} / ${f(m.ipv6Up)}</td>`;
}

/** A mirror down on every scheme it was probed on: its lag is as of its last answer, not now. */
const isDown = (m: MirrorStatusView) => Object.values(m.schemes).length > 0 && Object.values(m.schemes).every((s) => !s.up);

export function statusPageHtml(v: StatusView, stats: StatsResult | null = null): string {
  const rows = v.mirrors.map((m) => {
    const notes = [
      !m.enabled ? "disabled" : "",
      m.lagging ? "skipped: lag over limit" : "",
      m.stalled ? "stalled: not syncing" : "",
      m.claimsExpired ? `holds nothing: no successful scan for ${duration(v.generatedAt - (m.lastScanAt ?? 0))} (scan.max_claim_age_seconds)` : "",
    ].filter(Boolean);
    const url = m.urls.https ?? m.urls.http;
    const down = isDown(m);
    return `<tr data-mirror="${esc(m.name)}"${m.enabled ? "" : ' class="disabled"'}>
<th scope="row"><a href="/_mirrorhop/status/${encodeURIComponent(m.name)}">${esc(m.name)}</a>${url ? ` <a class="url" href="${esc(url)}" rel="nofollow" title="${esc(url)}">↗</a>` : ""}</th><td title="${esc(m.country)}">${esc(countryName(m.country))}</td>${schemeCell(m, "http")}${schemeCell(m, "https")}
${familyCell(m)}
<td class="lag${m.lagging ? " bad" : ""}" data-lag="${m.lagSeconds ?? ""}" title="${esc(m.traceAt === null ? "no trace seen" : `its trace says ${when(m.traceAt)}`)}">${down && m.lagSeconds !== null ? `${duration(m.lagSeconds)} <small>at its last answer</small>` : duration(m.lagSeconds)}</td>
<td class="coverage" data-coverage="${m.coverage ?? ""}">${m.coverage === null ? "–" : `${(m.coverage * 100).toFixed(1)} %`} <small>${m.filesHeld.toLocaleString("en-US")} files</small></td>
<td title="${iso(m.lastScanAt)}">${ago(v.generatedAt, m.lastScanAt)}</td><td title="${iso(m.lastProbeAt)}">${ago(v.generatedAt, m.lastProbeAt)}</td>
<td class="notes">${notes.map(esc).join(", ")}</td></tr>`;
  });
  const up = v.mirrors.filter((m) => m.enabled && Object.values(m.schemes).some((s) => s.up) && !m.lagging).length;
  const live = `<p class="summary"><span id="serving">${up} of ${v.mirrors.length} mirrors serving</span><span>${v.fileCount.toLocaleString("en-US")} files</span>
<span>origin trace ${v.originTrace === null ? "unknown" : `${when(v.originTrace)} (${ago(v.generatedAt, v.originTrace)})`}</span><span>last probe round ${ago(v.generatedAt, v.probedAt)}</span>
${v.traceFile ? "" : '<span class="bad">probes off: no trace file configured ([origin] trace)</span>'}</p>
<div class="wide"><table id="mirrors"><thead><tr><th>Mirror</th><th>Country</th><th>HTTP</th><th>HTTPS</th><th>IPv4 / IPv6</th><th>Lag</th><th>Coverage</th><th>Last scan</th><th>Last probe</th><th>Notes</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>
<h2>Rollout: lag behind the origin</h2>
${lagChartSvg(v)}
${stats ? statsSectionHtml(stats) : ""}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mirror status</title>
${LIVE_SCRIPT_TAG}
<style>
body{font:14px/1.45 system-ui,sans-serif;max-width:78rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b}
#mirrors th a{color:inherit}@media (max-width:40rem){body{margin:.5rem auto;font-size:13px}th,td{padding:.25rem .4rem}}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
thead th{background:#f6f6f6}.up{color:#1d6b1d}.down{color:#b02a1a;font-weight:600}.unknown,.na{color:#888}.bad{color:#b02a1a;font-weight:600}
tr.disabled{opacity:.55}small{color:#666}.summary span{margin-right:1.5rem}.chart{margin:1.5rem 0}.key{margin-right:1rem;white-space:nowrap}
.wide{overflow-x:auto;margin:1rem 0}.share svg{vertical-align:middle;margin-left:.3rem}
.key i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px;border-radius:2px}.key svg{margin-right:.3rem;vertical-align:middle}
</style></head><body>
<h1>Mirror status</h1>
${livePart(live)}
<p><small>Down after ${v.policy.downAfter} failed probes, up after ${v.policy.upAfter} good ones. Max lag ${v.policy.maxLagSeconds === null ? "off" : duration(v.policy.maxLagSeconds)} (${esc(v.policy.lagScope)} files).
JSON: <a href="/_mirrorhop/api/status">/_mirrorhop/api/status</a> · Prometheus: <a href="/_mirrorhop/metrics">/_mirrorhop/metrics</a></small></p>
</body></html>
`;
}
