/** Response builders for downloads: the redirect with its RFC 6249 and RFC 3230 headers, and plain errors. */

import { hexToBase64 } from "../core/bytes.js";
import type { FileRecord } from "../core/file-record.js";
import { encodePathForUrl, joinUrl } from "../core/path.js";
import { errorPageHtml } from "../formats/error-page.js";
import type { Env } from "../env.js";
import { logOnce } from "../storage/log-once.js";
import type { Decision } from "../selection/select.js";

export const NO_STORE = "private, no-store";

/**
 * Every HTML page: names from mirrors and the origin end up in these pages, so nothing they say may
 * run. No script, no fetch, no form, no framing; the pages' own inline styles only.
 */
export const HTML_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/html; charset=utf-8",
  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
};

/**
 * The status pages: as above, plus our own refresh script and its fetch of the same origin. Still
 * no inline script, so nothing a mirror's name or error text says can run.
 */
export const LIVE_HTML_HEADERS: Readonly<Record<string, string>> = {
  ...HTML_HEADERS,
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** RFC 6266: an ASCII fallback, and the real name as RFC 8187 UTF-8 where it is not plain ASCII. */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  if (ascii === name) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

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
  /**
   * This file's absolute URL on the redirector (for the describedby link). Absolute because wget2
   * resolves relative Link references wrongly (to "http:///path").
   */
  selfUrl: string;
  maxLinks: number;
}

export function redirectResponse(r: RedirectInput): Response {
  // One array handed to the runtime at once: each Headers.append is a call into workerd.
  const h: [string, string][] = [
    ["Location", r.location],
    ["Cache-Control", NO_STORE],
    ["X-MirrorHop-Mirror", r.mirror],
    ["X-MirrorHop-Tier", r.tier],
  ];
  // describedby first, then the mirrors with the winner as pri=1. workerd folds repeated Link
  // values into one comma-separated line anyway (docs/platform-notes.md), so they are joined here.
  // Clients that read one link per line (wget2) then find the Metalink, which lists every mirror.
  const links: string[] = [];
  if (r.file) links.push(`<${r.selfUrl}.meta4>; rel=describedby; type="application/metalink4+xml"`);
  if (r.decision?.winner) {
    const ranked = r.decision.ranked;
    for (let i = 0; i < ranked.length && i < r.maxLinks; i++) {
      const m = ranked[i]!;
      links.push(`<${m.url}>; rel=duplicate; pri=${i + 1}; geo=${m.mirror.country.toLowerCase()}`);
    }
  }
  if (r.file) for (const d of digestValues(r.file)) h.push(["Digest", d]);
  if (links.length) h.push(["Link", links.join(", ")]);
  return new Response(null, { status: 302, headers: h });
}

// Records are cached per isolate, so their RFC 3230 values are computed once per record, not per request.
const digests = new WeakMap<FileRecord, string[]>();

/** RFC 3230 instance digests, strongest first: SHA-256, SHA (SHA-1), MD5. */
export function digestValues(file: FileRecord): string[] {
  let d = digests.get(file);
  if (!d) {
    d = [];
    if (file.sha256) d.push(`SHA-256=${hexToBase64(file.sha256)}`);
    if (file.sha1) d.push(`SHA=${hexToBase64(file.sha1)}`);
    if (file.md5) d.push(`MD5=${hexToBase64(file.md5)}`);
    digests.set(file, d);
  }
  return d;
}

export function textError(status: number, message: string, extra: Record<string, string> = {}): Response {
  return new Response(message + "\n", {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": NO_STORE, ...extra },
  });
}

/** The format an error is answered in: JSON for `?json` or `Accept: application/json`, HTML for a browser, else text. */
export function errorFormat(req: Request, url: URL): "json" | "html" | "text" {
  const accept = req.headers.get("accept") ?? "";
  if (url.searchParams.has("json") || accept.includes("application/json")) return "json";
  return accept.includes("text/html") ? "html" : "text";
}

/**
 * An error in the format asked for: JSON, a page with a way back into the tree for a browser,
 * plain text otherwise (curl, wget). `dir` is the directory the page offers ("" the root).
 */
export function errorFor(req: Request, url: URL, status: number, message: string, dir = ""): Response {
  const format = errorFormat(req, url);
  if (format === "json") return Response.json({ error: message }, { status, headers: { "Cache-Control": NO_STORE, Vary: "Accept" } });
  if (format === "html")
    return new Response(errorPageHtml(status, message, dir), { status, headers: { ...HTML_HEADERS, "Cache-Control": NO_STORE, Vary: "Accept" } });
  return textError(status, message, { Vary: "Accept" });
}

/**
 * This service's absolute URL for a path (the Link header's describedby, Metalink's own URL, the
 * mirror list's links): PUBLIC_URL when the operator set it, else the request's own scheme and
 * Host. Host alone is not enough: some clients drop a non-default port from it (wget2), and a
 * Worker behind a custom domain or a proxy may see another name than its users use.
 */
export function selfUrlOf(env: Pick<Env, "PUBLIC_URL">, url: URL, path: string): string {
  const base = publicBase(env.PUBLIC_URL);
  return base ? joinUrl(base, path) : `${url.protocol}//${url.host}/${encodePathForUrl(path)}`;
}

const bases = new Map<string, string | null>();
/** PUBLIC_URL, checked once per isolate: an absolute http(s) URL; one that is not is ignored (and logged), never half-used. */
function publicBase(raw: string | undefined): string | null {
  if (!raw) return null;
  let base = bases.get(raw);
  if (base === undefined) {
    let u: URL | null = null;
    try {
      u = new URL(raw);
    } catch {
      u = null;
    }
    base = u && (u.protocol === "https:" || u.protocol === "http:") && !u.search && !u.hash ? u.href.replace(/\/?$/, "/") : null;
    if (!base) logOnce(`PUBLIC_URL ignored: ${JSON.stringify(raw)} is not an absolute http(s) URL without query`, "links use the request's Host");
    bases.set(raw, base);
  }
  return base;
}

/** The 404 body of a staged file: say why, so a tester who found the path knows it is coming. */
export function stagedMessage(path: string, holders: number, needed: number): string {
  return `not yet released: /${path} is staged until ${needed} mirrors hold it (now ${holders})`;
}
