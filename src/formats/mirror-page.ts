/**
 * One mirror's page (`/_mirrorhop/status/<name>`), for the mirror's own admin as much as for the
 * operator: where it is reached, what it is configured to serve, what keeps it from serving right
 * now, its lag over time, its recent failures, and which of the newest files it lacks.
 */

import type { Mirror } from "../core/mirror.js";
import type { MirrorExtras } from "../storage/mirror-page-read.js";
import type { MirrorStatusView, StatusView } from "../status/status-view.js";
import { lagChartSvg } from "./lag-chart.js";
import { ago, countryName, duration } from "./status-page.js";
import { esc } from "./xml.js";
import { LIVE_SCRIPT_TAG, livePart } from "./live-refresh.js";

/** Everything that narrows or stops this mirror's traffic now, in words, with the setting behind it. */
export function exclusionsOf(v: StatusView, m: MirrorStatusView, cfg: Mirror): string[] {
  const out: string[] = [];
  if (!cfg.enabled) out.push("disabled (enabled = false): no redirects, no probes");
  if (cfg.weight === 0) out.push("drained (weight = 0): no new clients");
  for (const [scheme, s] of Object.entries(m.schemes))
    if (s && !s.up) out.push(`${scheme} down after ${s.failures} failed probes${s.lastError ? `: ${s.lastError}` : ""}`);
  if (m.lagging)
    out.push(
      `skipped for ${v.policy.lagScope === "all" ? "every file" : "mutable files"}: ${duration(m.lagSeconds)} behind, over max_lag_seconds (${duration(v.policy.maxLagSeconds)})`,
    );
  if (m.stalled) out.push("stalled: its trace has not moved while the origin's has");
  if (m.claimsExpired) out.push("holds nothing: no successful scan within scan.max_claim_age_seconds");
  if (cfg.prefixOnly) out.push("serves only clients in its prefixes (prefix_only)");
  else if (cfg.asnOnly) out.push("serves only clients in its ASNs (asn_only)");
  else if (cfg.countryOnly) out.push("serves only clients in its country and extra countries (country_only)");
  else if (cfg.regionOnly) out.push("serves only clients in its region (region_only)");
  if (cfg.allowCountries.length) out.push(`only clients from ${cfg.allowCountries.join(", ")} (allow_countries)`);
  if (cfg.denyCountries.length) out.push(`no clients from ${cfg.denyCountries.join(", ")} (deny_countries)`);
  if (cfg.maxFileSize !== undefined) out.push(`no files above ${cfg.maxFileSize.toLocaleString("en-US")} bytes (max_file_size)`);
  if (!cfg.ipv4 || m.ipv4Up === false) out.push("no IPv4 clients");
  if (!cfg.ipv6 || m.ipv6Up === false) out.push("no IPv6 clients");
  return out;
}

export function mirrorPageHtml(v: StatusView, m: MirrorStatusView, cfg: Mirror, extras: MirrorExtras): string {
  const exclusions = exclusionsOf(v, m, cfg);
  const urls = Object.entries(m.urls)
    .map(([scheme, url]) => `<li>${esc(scheme)}: <a href="${esc(url)}" rel="nofollow">${esc(url)}</a></li>`)
    .join("");
  const chart = lagChartSvg({ ...v, history: { ...v.history, series: v.history.series.filter((s) => s.mirrorId === m.id) } });
  const failures = extras.failures
    .map(
      (f) =>
        `<tr><td>${new Date(f.at * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC</td><td>${esc(f.scheme)}${f.family ? ` IPv${f.family}` : ""}</td><td>${esc(f.error ?? "")}</td></tr>`,
    )
    .join("\n");
  const lacking = extras.lacking
    .slice(0, 50)
    .map((p) => `<li><a href="/_mirrorhop/explain/${p.split("/").map(encodeURIComponent).join("/")}">${esc(p)}</a></li>`)
    .join("");
  const live = `<dl>
<dt>Country</dt><dd>${esc(countryName(m.country))} (${esc(m.country)}, ${esc(cfg.continent)}${cfg.region ? `, region ${esc(cfg.region)}` : ""})</dd>
<dt>Weight</dt><dd>${cfg.weight}</dd>
<dt>Coverage</dt><dd>${m.coverage === null ? "–" : `${(m.coverage * 100).toFixed(1)} %`} (${m.filesHeld.toLocaleString("en-US")} of ${v.fileCount.toLocaleString("en-US")} files)</dd>
<dt>Lag</dt><dd>${duration(m.lagSeconds)}${m.traceAt !== null ? ` (its trace says ${new Date(m.traceAt * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC)` : ""}</dd>
<dt>Last scan</dt><dd>${ago(v.generatedAt, m.lastScanAt)}</dd>
<dt>Last probe</dt><dd>${ago(v.generatedAt, m.lastProbeAt)}</dd>
</dl>
<h2>In force now</h2>
${exclusions.length ? `<ul id="exclusions" class="bad">${exclusions.map((e) => `<li>${esc(e)}</li>`).join("")}</ul>` : '<p id="exclusions" class="ok">Nothing: it takes its share of the clients it may serve.</p>'}
<h2>Lag over time</h2>
${chart}
<h2>Recent failed probes</h2>
${failures ? `<div class="wide"><table id="failures"><thead><tr><th>When</th><th>Scheme</th><th>Error</th></tr></thead><tbody>\n${failures}\n</tbody></table></div>` : "<p>None kept.</p>"}
<h2>Newest files it lacks</h2>
<p id="lacking-summary">Of the ${extras.recentChecked.toLocaleString("en-US")} files added most recently, it lacks ${extras.lacking.length.toLocaleString("en-US")}${extras.lacking.length > 50 ? " (the first 50 below)" : ""}.</p>
${lacking ? `<ul id="lacking">${lacking}</ul>` : ""}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mirror ${esc(m.name)}</title>
${LIVE_SCRIPT_TAG}
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.4rem}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #eee;vertical-align:top}thead th{background:#f6f6f6}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{color:#555}.ok{color:#1d6b1d}.bad{color:#b02a1a}.wide{overflow-x:auto}
.key{margin-right:1rem;white-space:nowrap}.key svg{margin-right:.3rem;vertical-align:middle}.chart{margin:1rem 0}</style>
</head><body>
<p><a href="/_mirrorhop/status">← all mirrors</a></p>
<h1>Mirror ${esc(m.name)}</h1>
<ul class="urls">${urls}</ul>
${livePart(live)}
</body></html>
`;
}
