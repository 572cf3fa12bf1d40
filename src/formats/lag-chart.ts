/**
 * The rollout chart: every mirror's lag behind the origin over time, as inline SVG (no scripts, no
 * external assets). After a release, each line climbs while the mirror lacks the new trace and
 * drops to zero when it syncs, so the chart shows the release spreading across the network.
 */

import type { StatusView } from "../status/status-view.js";
import { esc } from "./xml.js";

const W = 960;
const H = 320;
const M = { left: 56, right: 16, top: 16, bottom: 36 };

/** Distinct hues, spaced by the golden angle so neighbours in the legend differ. */
export function seriesColour(i: number): string {
  return `hsl(${Math.round((i * 137.508) % 360)} 65% 42%)`;
}

function hoursLabel(seconds: number): string {
  const h = seconds / 3600;
  return h >= 48 ? `${Math.round(h / 24)} d` : h >= 1 ? `${Math.round(h * 10) / 10} h` : `${Math.round(seconds / 60)} min`;
}

/**
 * Lag on a log scale past the first minute (symlog): on release day a mirror 5 minutes behind and
 * one 2 days behind must both be readable, and a linear 0–2 d axis puts every minute on the zero line.
 */
const scaleOf = (lag: number) => Math.log10(1 + Math.max(0, lag) / 60);
const LAG_TICKS = [0, 60, 600, 3600, 6 * 3600, 86_400, 2 * 86_400, 7 * 86_400, 30 * 86_400];
/** Series that overlap stay apart by their dash as well as their hue. */
const DASHES = ["", "7 3", "2 3", "9 3 2 3"];

export function lagChartSvg(v: StatusView): string {
  const { series } = v.history;
  const to = v.history.to;
  // The window fits the data: from the first probe (one bucket before it), growing to the span
  // asked for. A deployment minutes old shows its minutes, not two empty days.
  const first = Math.min(...series.flatMap((s) => s.points.map((p) => p.at)));
  const from = Number.isFinite(first) ? Math.max(v.history.from, Math.min(first - 720, to - 3600)) : v.history.from;
  const span = Math.max(1, to - from);
  const observed = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.lagSeconds ?? 0)));
  const top = Math.max(3600, observed, v.policy.maxLagSeconds ?? 0);
  const yMax = scaleOf(top) * 1.1;
  const x = (t: number) => M.left + ((t - from) / span) * (W - M.left - M.right);
  const y = (lag: number) => H - M.bottom - (scaleOf(lag) / yMax) * (H - M.top - M.bottom);
  const parts: string[] = [];
  for (const lag of LAG_TICKS.filter((t) => t <= top * 1.05)) {
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(lag).toFixed(1)}" y2="${y(lag).toFixed(1)}" class="grid"/><text x="${M.left - 6}" y="${(y(lag) + 4).toFixed(1)}" text-anchor="end">${lag === 0 ? "0" : hoursLabel(lag)}</text>`,
    );
  }
  for (let k = 0; k <= 4; k++) {
    const t = from + (span * k) / 4;
    parts.push(
      `<text x="${x(t).toFixed(1)}" y="${H - 12}" text-anchor="${k === 0 ? "start" : k === 4 ? "end" : "middle"}">${new Date(t * 1000).toISOString().slice(5, 16).replace("T", " ")}</text>`,
    );
  }
  if (v.policy.maxLagSeconds !== null) {
    const yl = y(v.policy.maxLagSeconds).toFixed(1);
    parts.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${yl}" y2="${yl}" class="limit"/><text x="${W - M.right}" y="${Number(yl) - 4}" text-anchor="end" class="limit-label">max lag</text>`,
    );
  }
  series.forEach((s, i) => {
    // A failed probe has no lag: the line breaks there and a cross marks the failure.
    const runs: string[][] = [[]];
    const fails: string[] = [];
    for (const p of s.points) {
      if (p.lagSeconds === null || !p.ok) {
        if (runs[runs.length - 1]!.length) runs.push([]);
        if (!p.ok) fails.push(`<path d="M${(x(p.at) - 3).toFixed(1)},${H - M.bottom - 3}l6,6m0,-6l-6,6" class="fail"/>`);
        continue;
      }
      runs[runs.length - 1]!.push(`${x(p.at).toFixed(1)},${y(p.lagSeconds).toFixed(1)}`);
    }
    const colour = seriesColour(i);
    const dash = DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : "";
    parts.push(
      `<g class="series" data-mirror="${esc(s.name)}" stroke="${colour}"${dash}><title>${esc(s.name)}</title>${runs
        .filter((r) => r.length)
        .map((r) =>
          r.length === 1
            ? `<circle cx="${r[0]!.split(",")[0]}" cy="${r[0]!.split(",")[1]}" r="2.5" fill="${colour}"/>`
            : `<polyline points="${r.join(" ")}" fill="none"/>`,
        )
        .join("")}${fails.join("")}</g>`,
    );
  });
  const legend = series
    .map(
      (s, i) =>
        `<span class="key"><svg width="22" height="8" aria-hidden="true"><line x1="0" x2="22" y1="4" y2="4" stroke="${seriesColour(i)}" stroke-width="3"${DASHES[i % DASHES.length] ? ` stroke-dasharray="${DASHES[i % DASHES.length]}"` : ""}/></svg>${esc(s.name)}</span>`,
    )
    .join(" ");
  return `<figure class="chart"><svg id="rollout" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="Lag behind the origin per mirror over time (log scale)" data-series="${series.length}" data-from="${from}" data-to="${to}">
<style>text{font:11px system-ui,sans-serif;fill:#555}.grid{stroke:#e3e3e3}.limit{stroke:#c0392b;stroke-dasharray:6 4}.limit-label{fill:#c0392b}polyline{stroke-width:2}.fail{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:none}</style>
<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#999"/><line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#999"/>
${parts.join("\n")}
</svg><figcaption>${series.length ? legend : "No probe history yet: the first cron round fills it."}</figcaption></figure>`;
}
