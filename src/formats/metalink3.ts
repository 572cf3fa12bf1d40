/**
 * Metalink 3.0 (metalinker.org), for older clients: preference 100 downwards, hash names without
 * dashes, RFC 822 dates, a `type` on every URL.
 */

import { bytesToHex } from "../core/bytes.js";
import type { DownloadView } from "./download-view.js";
import { esc } from "./xml.js";

export const METALINK3_TYPE = "application/metalink+xml";
const MM0_NS = "http://fedorahosted.org/mirrormanager";

export function metalink3(v: DownloadView): string {
  const r = v.record;
  const date = new Date(r.changed * 1000).toUTCString();
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<metalink version="3.0" xmlns="http://www.metalinker.org/"${v.mirrorManager ? ` xmlns:mm0="${MM0_NS}"` : ""} type="dynamic" origin="${esc(v.selfUrl)}" generator="${esc(v.generator)}" pubdate="${date}" refreshdate="${date}">`,
    "  <files>",
    `    <file name="${esc(v.name)}">`,
  ];
  // librepo compares mm0:timestamp with its cached repomd.xml to skip a download that changes nothing.
  if (v.mirrorManager) lines.push(`      <mm0:timestamp>${r.mtime}</mm0:timestamp>`);
  lines.push(`      <size>${r.size}</size>`, "      <verification>");
  if (r.md5) lines.push(`        <hash type="md5">${r.md5}</hash>`);
  if (r.sha1) lines.push(`        <hash type="sha1">${r.sha1}</hash>`);
  if (r.sha256) lines.push(`        <hash type="sha256">${r.sha256}</hash>`);
  if (v.detail?.sha512) lines.push(`        <hash type="sha512">${v.detail.sha512}</hash>`);
  const pieces = v.detail?.pieces;
  if (pieces?.length && v.detail?.pieceSize) {
    lines.push(`        <pieces length="${v.detail.pieceSize}" type="sha256">`);
    for (let i = 0, n = 0; i < pieces.length; i += 32, n++) lines.push(`          <hash piece="${n}">${bytesToHex(pieces.subarray(i, i + 32))}</hash>`);
    lines.push("        </pieces>");
  }
  lines.push("      </verification>", "      <resources>");
  const all = v.mirrors.map((m) => ({ url: m.url, location: m.country.toLowerCase() }));
  if (v.listOrigin) all.push({ url: v.originUrl, location: "" });
  all.forEach((u, i) => {
    const type = u.url.slice(0, u.url.indexOf(":"));
    const loc = u.location ? ` location="${esc(v.mirrorManager ? u.location.toUpperCase() : u.location)}"` : "";
    // MirrorManager also names the protocol; librepo reads it to skip URLs it cannot fetch.
    const protocol = v.mirrorManager ? ` protocol="${esc(type)}"` : "";
    lines.push(`        <url${protocol} type="${esc(type)}"${loc} preference="${Math.max(1, 100 - i)}">${esc(u.url)}</url>`);
  });
  lines.push("      </resources>", "    </file>", "  </files>", "</metalink>", "");
  return lines.join("\n");
}
