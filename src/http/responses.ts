/** Response builders for downloads: the redirect with its RFC 6249 and RFC 3230 headers, and plain errors. */

import { hexToBase64 } from "../core/bytes.js";
import type { FileRecord } from "../core/file-record.js";
import { encodePathForUrl, joinUrl } from "../core/path.js";
import type { Decision } from "../selection/select.js";

export const NO_STORE = "private, no-store";

export function originUrl(originBase: string, path: string): string {
  return joinUrl(originBase.endsWith("/") ? originBase : originBase + "/", path);
}

export interface RedirectInput {
  location: string;
  /** Name of the chosen mirror, or "origin". */
  mirror: string;
  /** The tier that won, or why the origin was chosen. */
  tier: string;
  decision?: Decision;
  file?: FileRecord;
  /** Public URL of this file on the redirector (for the describedby link). */
  selfUrl: string;
  maxLinks: number;
}

export function redirectResponse(r: RedirectInput): Response {
  const h = new Headers();
  h.set("Location", r.location);
  h.set("Cache-Control", NO_STORE);
  h.set("X-MirrorHop-Mirror", r.mirror);
  h.set("X-MirrorHop-Tier", r.tier);
  // One header line per link, as RFC 6249 clients (aria2c) read them; the winner is pri=1.
  if (r.decision?.winner) {
    r.decision.ranked.slice(0, r.maxLinks).forEach((m, i) => {
      h.append("Link", `<${m.url}>; rel=duplicate; pri=${i + 1}; geo=${m.mirror.country.toLowerCase()}`);
    });
  }
  if (r.file) {
    h.append("Link", `<${r.selfUrl}.meta4>; rel=describedby; type="application/metalink4+xml"`);
    if (r.file.sha256) h.append("Digest", `SHA-256=${hexToBase64(r.file.sha256)}`);
    if (r.file.sha1) h.append("Digest", `SHA=${hexToBase64(r.file.sha1)}`);
    if (r.file.md5) h.append("Digest", `MD5=${hexToBase64(r.file.md5)}`);
  }
  return new Response(null, { status: 302, headers: h });
}

export function textError(status: number, message: string, extra: Record<string, string> = {}): Response {
  return new Response(message + "\n", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": NO_STORE, ...extra },
  });
}

export function selfUrlOf(url: URL, path: string): string {
  return `${url.protocol}//${url.host}/${encodePathForUrl(path)}`;
}
