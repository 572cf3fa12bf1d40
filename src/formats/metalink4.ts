/**
 * Metalink 4 (RFC 5854, application/metalink4+xml). The mirrors come in selection order with
 * priority 1, 2, …, each with its lowercase country as location; the origin is last where listed. Hash names
 * follow the IANA "Hash Function Textual Names" registry (md5, sha-1, sha-256, sha-512).
 */

import { bytesToHex } from "../core/bytes.js";
import type { DownloadView } from "./download-view.js";
import { esc } from "./xml.js";

export const METALINK4_TYPE = "application/metalink4+xml";

export function metalink4(v: DownloadView): string {
  const r = v.record;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<metalink xmlns="urn:ietf:params:xml:ns:metalink">',
    `  <generator>${esc(v.generator)}</generator>`,
    `  <origin dynamic="true">${esc(v.selfUrl)}</origin>`,
    `  <published>${new Date(r.changed * 1000).toISOString().replace(/\.\d{3}Z$/, "Z")}</published>`,
    `  <file name="${esc(v.name)}">`,
    `    <size>${r.size}</size>`,
  ];
  if (r.md5) lines.push(`    <hash type="md5">${r.md5}</hash>`);
  if (r.sha1) lines.push(`    <hash type="sha-1">${r.sha1}</hash>`);
  if (r.sha256) lines.push(`    <hash type="sha-256">${r.sha256}</hash>`);
  if (v.detail?.sha512) lines.push(`    <hash type="sha-512">${v.detail.sha512}</hash>`);
  const pieces = v.detail?.pieces;
  if (pieces?.length && v.detail?.pieceSize) {
    lines.push(`    <pieces length="${v.detail.pieceSize}" type="sha-256">`);
    for (let i = 0; i < pieces.length; i += 32) lines.push(`      <hash>${bytesToHex(pieces.subarray(i, i + 32))}</hash>`);
    lines.push("    </pieces>");
  }
  v.mirrors.forEach((m, i) => lines.push(`    <url location="${esc(m.country.toLowerCase())}" priority="${i + 1}">${esc(m.url)}</url>`));
  if (v.listOrigin) lines.push(`    <url priority="${v.mirrors.length + 1}">${esc(v.originUrl)}</url>`);
  lines.push("  </file>", "</metalink>", "");
  return lines.join("\n");
}
