/**
 * The mirror list of one file: an HTML page a person can read and the same data as JSON. Mirrors
 * are grouped by tier, with country and distance; the one a plain download would pick is marked.
 * The page is self-contained (inline CSS, no scripts, no external assets).
 */

import type { Tier } from "../core/mirror.js";
import type { DownloadView } from "./download-view.js";
import { esc } from "./xml.js";

export interface MirrorListEntry {
  name: string;
  country: string;
  tier: Tier;
  url: string;
  distanceKm?: number;
  chosen: boolean;
}

export interface MirrorListView extends Pick<DownloadView, "name" | "record" | "detail" | "originUrl"> {
  path: string;
  /** Links to the file's other documents on this service. */
  links: { meta4: string; metalink: string; checksums: Record<string, string> };
  mirrors: MirrorListEntry[];
  /** Why a plain download goes to the origin, when it does. */
  originReason?: string;
}

const TIER_TITLES: Record<Tier, string> = {
  prefix: "Your network",
  asn: "Your provider",
  country: "Your country",
  "extra-country": "Serving your country",
  region: "Your region",
  world: "Elsewhere",
};

export function mirrorListJson(v: MirrorListView) {
  const r = v.record;
  return {
    path: v.path,
    name: v.name,
    size: r.size,
    mtime: new Date(r.mtime * 1000).toISOString(),
    hashes: {
      ...(r.md5 ? { md5: r.md5 } : {}),
      ...(r.sha1 ? { sha1: r.sha1 } : {}),
      ...(r.sha256 ? { sha256: r.sha256 } : {}),
      ...(v.detail?.sha512 ? { sha512: v.detail.sha512 } : {}),
    },
    metalink: v.links.meta4,
    chosen: v.mirrors.find((m) => m.chosen)?.name ?? "origin",
    ...(v.originReason ? { originReason: v.originReason } : {}),
    mirrors: v.mirrors.map((m) => ({
      name: m.name,
      country: m.country,
      tier: m.tier,
      url: m.url,
      ...(m.distanceKm !== undefined ? { distanceKm: Math.round(m.distanceKm) } : {}),
      chosen: m.chosen,
    })),
    origin: v.originUrl,
  };
}

export function mirrorListHtml(v: MirrorListView): string {
  const r = v.record;
  const hashes: [string, string | undefined][] = [
    ["SHA-256", r.sha256],
    ["SHA-1", r.sha1],
    ["MD5", r.md5],
    ["SHA-512", v.detail?.sha512],
  ];
  const groups = new Map<Tier, MirrorListEntry[]>();
  for (const m of v.mirrors) groups.set(m.tier, [...(groups.get(m.tier) ?? []), m]);
  const section = [...groups].map(
    ([tier, ms]) =>
      `<section class="tier" data-tier="${tier}"><h2>${esc(TIER_TITLES[tier])}</h2><ul>${ms
        .map(
          (m) =>
            `<li class="mirror${m.chosen ? " chosen" : ""}" data-mirror="${esc(m.name)}"><a href="${esc(m.url)}">${esc(m.url)}</a> <span class="cc">${esc(m.country)}</span>${m.distanceKm !== undefined ? ` <span class="km">${Math.round(m.distanceKm)} km</span>` : ""}${m.chosen ? ' <strong class="badge">your download</strong>' : ""}</li>`,
        )
        .join("")}</ul></section>`,
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mirrors for ${esc(v.name)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem;word-break:break-all}table{border-collapse:collapse}td,th{padding:.15rem .8rem .15rem 0;text-align:left;vertical-align:top}
code{font-size:.85rem;word-break:break-all}ul{list-style:none;padding:0}li{padding:.3rem .5rem;border-radius:.3rem}
li.chosen{background:#e8f4e8;border:1px solid #8bc48b}.cc{font-weight:600}.km{color:#666}.badge{color:#1d6b1d}
nav a{margin-right:1rem}
</style></head><body>
<h1>${esc(v.path)}</h1>
<table class="facts"><tr><th>Size</th><td id="size">${r.size.toLocaleString("en-US")} bytes</td></tr>
<tr><th>Last modified</th><td id="mtime">${new Date(r.mtime * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC")}</td></tr>
${hashes
  .filter(([, h]) => h)
  .map(([n, h]) => `<tr><th>${n}</th><td><code>${h}</code></td></tr>`)
  .join("\n")}
</table>
<nav><a href="${esc(v.links.meta4)}">Metalink (.meta4)</a><a href="${esc(v.links.metalink)}">Metalink 3</a>${Object.entries(v.links.checksums)
    .map(([k, u]) => `<a href="${esc(u)}">${k}</a>`)
    .join("")}</nav>
${v.originReason ? `<p class="origin-note">A plain download of this file goes to the origin (${esc(v.originReason)}).</p>` : ""}
${section.join("\n") || "<p>No mirror holds the current version of this file yet.</p>"}
<section class="tier" data-tier="origin"><h2>Origin</h2><ul><li class="mirror${v.originReason ? " chosen" : ""}" data-mirror="origin"><a href="${esc(v.originUrl)}">${esc(v.originUrl)}</a></li></ul></section>
</body></html>
`;
}
