/**
 * `/_mirrorhop/explain/<path>` for a browser: the same decision the JSON gives, as a page an
 * operator can read: who the client is taken to be, where it goes and why, every candidate in
 * rank order and every mirror left out with its reason.
 */

import { esc } from "./xml.js";

/** What the explain route computes (its JSON body); only the fields the page shows are named. */
export interface ExplainBody {
  path: string;
  client: Record<string, unknown>;
  scheme: string;
  target: string;
  reason?: string;
  location?: string | null;
  holders?: number;
  table?: { generation: string; source: string; mirrors: number };
  repository?: Record<string, unknown>;
  winner?: { name: string } | null;
  candidates?: { rank: number; name: string; country: string; tier: string; url: string; weight: number; score: number; distanceKm?: number }[];
  excluded?: { name: string; country: string; reason: string; tier?: string }[];
}

const CLIENT_FIELDS: [string, string][] = [
  ["ip", "IP"],
  ["country", "country"],
  ["continent", "continent"],
  ["asn", "ASN"],
  ["lat", "latitude"],
  ["lon", "longitude"],
];

export function explainPageHtml(b: ExplainBody): string {
  const client = CLIENT_FIELDS.filter(([k]) => b.client[k] !== undefined && b.client[k] !== null)
    .map(([k, label]) => `<span>${esc(label)} <b>${esc(String(b.client[k]))}</b></span>`)
    .join(" ");
  const where = b.location ? `<a href="${esc(b.location)}" rel="nofollow">${esc(b.location)}</a>` : "nowhere";
  const verdict = b.target === "mirror" ? `to mirror <b>${esc(b.winner?.name ?? "")}</b>` : b.target === "origin" ? "to the origin" : "not served";
  const candidates = (b.candidates ?? [])
    .map(
      (m) =>
        `<tr${m.rank === 1 && b.target === "mirror" ? ' class="win"' : ""}><td>${m.rank}</td><th scope="row">${esc(m.name)}</th><td>${esc(m.country)}</td><td>${esc(m.tier)}</td><td>${m.distanceKm ?? ""}</td><td>${m.weight}</td><td>${Number(m.score.toFixed(4))}</td><td><a href="${esc(m.url)}" rel="nofollow">${esc(m.url)}</a></td></tr>`,
    )
    .join("\n");
  const excluded = (b.excluded ?? []).map((e) => `<tr><th scope="row">${esc(e.name)}</th><td>${esc(e.country)}</td><td>${esc(e.reason)}</td></tr>`).join("\n");
  const jsonHref = `/_mirrorhop/explain/${b.path.split("/").map(encodeURIComponent).join("/")}?json`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Explain /${esc(b.path)}</title>
<style>body{font:14px/1.45 system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b}h1{font-size:1.3rem;word-break:break-all}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;border-bottom:1px solid #eee;vertical-align:top}thead th{background:#f6f6f6}
.wide{overflow-x:auto}.client span{margin-right:1.2rem}tr.win{background:#eef7ee}.verdict{font-size:1.1rem}small{color:#666}</style>
</head><body>
<h1>Explain /${esc(b.path)}</h1>
<p class="client">Client as seen: ${client || "nothing known"} <span>scheme <b>${esc(b.scheme)}</b></span></p>
<p class="verdict" id="verdict">Sent ${verdict}${b.reason ? ` <small>(${esc(b.reason)})</small>` : ""}: ${where}</p>
${b.holders !== undefined ? `<p>${b.holders} mirror(s) hold this version of the file.${b.table ? ` Mirror table ${esc(b.table.generation)} from ${esc(b.table.source)}, ${b.table.mirrors} mirrors.` : ""}</p>` : ""}
${candidates ? `<h2>Candidates, best first</h2><div class="wide"><table id="candidates"><thead><tr><th>#</th><th>Mirror</th><th>Country</th><th>Tier</th><th>km</th><th>Weight</th><th>Score <small>(lower ranks first)</small></th><th>URL</th></tr></thead><tbody>\n${candidates}\n</tbody></table></div>` : ""}
${excluded ? `<h2>Left out</h2><div class="wide"><table id="excluded"><thead><tr><th>Mirror</th><th>Country</th><th>Why</th></tr></thead><tbody>\n${excluded}\n</tbody></table></div>` : ""}
<p><small>The same as JSON: <a href="${esc(jsonHref)}">${esc(jsonHref)}</a>. Try <code>?country=JP</code>, <code>?ip=…</code> or <code>?scheme=http</code>.</small></p>
</body></html>
`;
}
