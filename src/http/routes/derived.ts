/**
 * Documents derived from the index for one file: Metalink 4 (.meta4), Metalink 3 (.metalink) and
 * checksum files (.sha256, .sha1, .md5, .sha512). Served for `<file>.<suffix>` when the index has
 * `<file>` but no file of that exact name, and for `<file>` itself when the Accept header asks for
 * a Metalink (content negotiation, as aria2c does).
 */

import { baseName } from "../../core/path.js";
import type { Env } from "../../env.js";
import { CHECKSUM_KINDS, type ChecksumKind, checksumFile, checksumOf } from "../../formats/checksum.js";
import { type MirrorListView, mirrorListHtml, mirrorListJson } from "../../formats/mirrorlist.js";
import { type DownloadView, GENERATOR } from "../../formats/download-view.js";
import { METALINK3_TYPE, metalink3 } from "../../formats/metalink3.js";
import { METALINK4_TYPE, metalink4 } from "../../formats/metalink4.js";
import { esc } from "../../formats/xml.js";
import { lookupDetail } from "../../storage/detail-lookup.js";
import { decide } from "../decide.js";
import { pushPropagating } from "../../core/push-stamp.js";
import { attachmentDisposition, HTML_HEADERS, NO_STORE, originUrl, redirectResponse, selfUrlOf, textError, stagedMessage } from "../responses.js";
import { ORIGIN_ONLY_REASONS } from "../../selection/select.js";
import { redirectFor, unknownPathRedirect } from "./redirect.js";
import type { Counter } from "../count.js";

/** The Metalink 3 dnf reads with `metalink=`: `…/repodata/repomd.xml.metalink` (MirrorManager's format). */
const isRepomd = (base: string, format: DerivedFormat) => format === "metalink" && (base === "repodata/repomd.xml" || base.endsWith("/repodata/repomd.xml"));

export type DerivedFormat = "meta4" | "metalink" | "mirrorlist" | ChecksumKind;
const SUFFIXES: DerivedFormat[] = ["meta4", "metalink", "mirrorlist", "sha256", "sha1", "md5", "sha512"];

/** `releases/x.iso.meta4` → { base: "releases/x.iso", format: "meta4" }. */
export function derivedOf(path: string): { base: string; format: DerivedFormat } | null {
  const dot = path.lastIndexOf(".");
  if (dot <= 0) return null;
  const format = path.slice(dot + 1) as DerivedFormat;
  return SUFFIXES.includes(format) ? { base: path.slice(0, dot), format } : null;
}

/** The Metalink version an Accept header asks for, if any; 4 wins when both are acceptable. */
export function negotiatedMetalink(accept: string | null): "meta4" | "metalink" | null {
  if (!accept) return null;
  if (accept.includes(METALINK4_TYPE)) return "meta4";
  if (accept.includes(METALINK3_TYPE)) return "metalink";
  return null;
}

const MAX_METALINK_URLS = 50;

export async function derivedResponse(
  env: Env,
  req: Request,
  url: URL,
  base: string,
  format: DerivedFormat,
  negotiated: boolean,
  count: Counter,
): Promise<Response> {
  const isMetalink = format === "meta4" || format === "metalink";
  const isList = format === "mirrorlist";
  const wantsJson = isList && (url.searchParams.has("json") || (req.headers.get("accept") ?? "").includes("application/json"));
  const limitParam = Number(url.searchParams.get("limit"));
  const limit = Number.isInteger(limitParam) && limitParam > 0 ? Math.min(limitParam, MAX_METALINK_URLS) : MAX_METALINK_URLS;
  const outcome = await decide(env, req, url, base, { limit: isMetalink ? limit : isList ? 1000 : 1, confirmMiss: !negotiated });
  const selfPath = `${base}.${format}`;
  if (outcome.kind === "bad-request") return textError(400, outcome.reason);
  // A client that asks every download for a Metalink (libzypp, aria2c) must still get a file the
  // index does not know yet from the origin, as a plain download would.
  if (outcome.kind === "not-found" && negotiated && outcome.originFallback) {
    count(outcome, base);
    return unknownPathRedirect(env, base);
  }
  if (outcome.kind === "not-found" || outcome.kind === "staged") {
    const message = outcome.kind === "staged" ? stagedMessage(base, outcome.holders, outcome.needed) : `not found: /${base}`;
    if (wantsJson) return Response.json({ error: message }, { status: 404, headers: { "Cache-Control": NO_STORE } });
    if (!isMetalink) return textError(404, message);
    return new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<error>${esc(message)}</error>\n`, {
      status: 404,
      headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": NO_STORE },
    });
  }
  if (outcome.kind === "unavailable") {
    if (negotiated) count(outcome, base);
    // Without the index, the origin is the only honest source of the file and its documents.
    return redirectResponse({
      location: originUrl(env.ORIGIN_URL, negotiated ? base : selfPath),
      mirror: "origin",
      tier: "storage-unavailable",
      selfUrl: "",
      maxLinks: 0,
    });
  }
  const d = outcome.decision;
  // Repository metadata kept on the origin, and gated files: the few mirrors that have a new
  // release must not take every Metalink client.
  const mirrors = d.originReason && ORIGIN_ONLY_REASONS.has(d.originReason) ? [] : d.ranked.map((r) => ({ url: r.url, country: r.mirror.country }));
  // A Metalink that would name the origin alone says nothing a redirect does not: the client gets
  // the plain 302, and libzypp does not fail once on an origin-only Metalink and retry.
  if (negotiated && mirrors.length === 0) {
    count(outcome, base);
    return redirectFor(env, url, base, outcome);
  }
  const needDetail = isMetalink || isList || format === "sha512";
  const view: DownloadView = {
    name: baseName(base),
    record: outcome.lookup.record,
    detail: needDetail ? await lookupDetail(env, base, outcome.lookup.record, { d1OnMiss: pushPropagating(outcome.table.pushedAt, Date.now()) }) : null,
    mirrors,
    // libzypp and aria2c fetch from every URL listed, priority notwithstanding: the origin is listed
    // only when no mirror is, or the operator asks for it. librepo tries one URL after another, so a
    // repomd.xml Metalink keeps the origin last, as a fallback that costs nothing until it is needed.
    originUrl: originUrl(env.ORIGIN_URL, base),
    listOrigin: mirrors.length === 0 || outcome.table.table.policy.metalinkOrigin || isRepomd(base, format),
    ...(isRepomd(base, format) ? { mirrorManager: true } : {}),
    selfUrl: selfUrlOf(env, url, selfPath),
    generator: GENERATOR,
  };
  if (isList) {
    const self = (suffix: string) => selfUrlOf(env, url, `${base}.${suffix}`);
    const list: MirrorListView = {
      ...view,
      path: base,
      links: {
        meta4: self("meta4"),
        metalink: self("metalink"),
        checksums: Object.fromEntries(CHECKSUM_KINDS.filter((k) => checksumOf(view, k)).map((k) => [k, self(k)])),
      },
      mirrors: d.ranked.map((r) => ({
        name: r.mirror.name,
        country: r.mirror.country,
        tier: r.tier,
        url: r.url,
        ...(r.distanceKm !== undefined ? { distanceKm: r.distanceKm } : {}),
        chosen: d.winner?.mirror.id === r.mirror.id,
      })),
      ...(d.originReason ? { originReason: d.originReason } : {}),
    };
    count(outcome, base, "mirrorlist");
    return wantsJson
      ? Response.json(mirrorListJson(list), { headers: { "Cache-Control": NO_STORE, Vary: "Accept" } })
      : new Response(mirrorListHtml(list), { headers: { ...HTML_HEADERS, "Cache-Control": NO_STORE, Vary: "Accept" } });
  }
  if (isMetalink) {
    const headers: Record<string, string> = {
      "Content-Type": `${format === "meta4" ? METALINK4_TYPE : METALINK3_TYPE}; charset=utf-8`,
      "Cache-Control": NO_STORE,
      "X-MirrorHop-Mirror": d.winner?.mirror.name ?? "origin",
    };
    // A negotiated Metalink answers the file's own URL: without this, aria2c saves the XML under the file's name.
    if (negotiated) {
      headers["Content-Disposition"] = attachmentDisposition(`${view.name}.${format}`);
      headers.Vary = "Accept";
    }
    count(outcome, base, "metalink");
    return new Response(format === "meta4" ? metalink4(view) : metalink3(view), { headers });
  }
  const body = checksumFile(view, format as ChecksumKind, url.searchParams.has("only_hash"));
  if (body === null) return textError(404, `no ${format} known for /${base}`);
  count(outcome, base, "checksum");
  return new Response(body, { headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": NO_STORE } });
}
