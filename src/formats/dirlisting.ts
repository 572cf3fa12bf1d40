/** A directory listing page like an autoindex (name, last modified, size), with each file's mirror list one click away. */

import { humanSize } from "./size.js";
import { encodePathForUrl } from "../core/path.js";
import type { DirListing } from "../core/dir-listing.js";
import { esc } from "./xml.js";

/** The relative links to a page's neighbours, when the listing has pages. */
function pageLinks(l: DirListing, suffix = ""): { prev?: string; next?: string } {
  if (!l.page || !l.pages) return {};
  return {
    ...(l.page > 1 ? { prev: `./?page=${l.page - 1}${suffix}` } : {}),
    ...(l.page < l.pages ? { next: `./?page=${l.page + 1}${suffix}` } : {}),
  };
}

export function dirListingJson(l: DirListing) {
  return {
    path: "/" + l.path,
    ...(l.pages ? { page: l.page, pages: l.pages, ...pageLinks(l, "&json") } : {}),
    entries: l.entries.map((e) =>
      e.dir ? { name: e.name, type: "directory" } : { name: e.name, type: "file", size: e.size, mtime: new Date(e.mtime! * 1000).toISOString() },
    ),
  };
}

export function dirListingHtml(l: DirListing, note?: string): string {
  const title = "/" + l.path;
  const rows = l.entries.map((e) => {
    // "./" first: a name like "home:user" or "javascript:alert(1)" must stay a relative path,
    // never become a URL scheme.
    const href = "./" + encodePathForUrl(e.name) + (e.dir ? "/" : "");
    if (e.dir) return `<tr class="dir"><td><a href="${esc(href)}">${esc(e.name)}/</a></td><td></td><td class="size">-</td><td></td></tr>`;
    const date = new Date(e.mtime! * 1000).toISOString().replace("T", " ").slice(0, 16);
    return `<tr class="file"><td><a href="${esc(href)}">${esc(e.name)}</a></td><td class="date">${date}</td><td class="size" data-bytes="${e.size}">${humanSize(e.size!)}</td><td><a class="mirrors" href="${esc(href)}.mirrorlist">mirrors</a></td></tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Index of ${esc(title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}
td,th{padding:.2rem .8rem .2rem 0;text-align:left}td.size{text-align:right;font-variant-numeric:tabular-nums}th{border-bottom:1px solid #ccc}</style>
</head><body><h1>Index of ${esc(title)}</h1>
${note ? `<p class="note" role="status"><strong>${esc(note)}.</strong></p>\n` : ""}${pageNav(l)}<table><thead><tr><th>Name</th><th>Last modified</th><th>Size</th><th></th></tr></thead><tbody>
${l.path ? '<tr class="parent"><td><a href="../">../</a></td><td></td><td></td><td></td></tr>\n' : ""}${rows.join("\n")}
</tbody></table>${pageNav(l)}</body></html>
`;
}

function pageNav(l: DirListing): string {
  if (!l.pages) return "";
  const { prev, next } = pageLinks(l);
  return `<nav class="pages" aria-label="pages"><p>Page ${l.page} of ${l.pages}${prev ? ` · <a rel="prev" href="${esc(prev)}">previous</a>` : ""}${next ? ` · <a rel="next" href="${esc(next)}">next</a>` : ""}</p></nav>\n`;
}
