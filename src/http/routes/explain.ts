import { ancestorDirs } from "../../storage/nearest-listing.js";
import type { Context } from "hono";
import { canonicalisePath } from "../../core/path.js";
import type { Env } from "../../env.js";
import type { RankedMirror } from "../../selection/select.js";
import { decide } from "../decide.js";
import { HTML_HEADERS, NO_STORE, originUrl } from "../responses.js";
import { errorPageHtml } from "../../formats/error-page.js";
import { type ExplainBody, explainPageHtml } from "../../formats/explain-page.js";
import type { RepoMeta } from "../../core/file-record.js";
import { declaredRepositoryOf, type RepositoryDecl, repositoryMetadataOf } from "../../core/repository.js";

/** Which declared repository the path is in, and what its record says: why metadata went where it went. */
function repositoryView(path: string, repos: RepositoryDecl[], repoMeta: RepoMeta | undefined) {
  const decl = declaredRepositoryOf(path, repos);
  if (!decl) return {};
  const meta = repositoryMetadataOf(path, repos);
  return {
    repository: {
      root: decl.root,
      metadataFrom: decl.metadata,
      ...(meta ? { unit: meta.unit.id, kind: meta.unit.kind, rootFile: meta.unit.rootFile } : { metadata: false }),
      // The record, not the table, decides: it says whether its mirror set is the consistent set.
      ...(repoMeta ? { record: repoMeta === "consistent" ? "mirrors are the repository's consistent set" : "metadata kept on the origin" } : {}),
    },
  };
}

const PREFIX = "/_mirrorhop/explain";

/** Every redirect decision, shown: the client as seen, each mirror's tier or exclusion reason, scores, the winner. */
export async function explainRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const url = new URL(c.req.url);
  const canon = canonicalisePath(url.pathname.slice(PREFIX.length) || "/");
  // A browser gets a page; curl and scripts (or ?json) get JSON, indented: people read it too.
  const accept = c.req.header("accept") ?? "";
  const html = !url.searchParams.has("json") && accept.includes("text/html");
  const json = (body: unknown, status = 200): Response => {
    const vary = { "Cache-Control": NO_STORE, Vary: "Accept" };
    if (html && status < 400) return new Response(explainPageHtml(body as ExplainBody), { status, headers: { ...HTML_HEADERS, ...vary } });
    if (html)
      return new Response(errorPageHtml(status, (body as { error: string }).error, canon.ok ? (ancestorDirs(canon.path)[0] ?? "") : ""), {
        status,
        headers: { ...HTML_HEADERS, ...vary },
      });
    return new Response(JSON.stringify(body, null, status < 400 ? 2 : undefined) + "\n", {
      status,
      headers: { "Content-Type": "application/json; charset=utf-8", ...vary },
    });
  };
  if (!canon.ok) return json({ error: `bad request path: ${canon.reason}` }, 400);
  const outcome = await decide(c.env, c.req.raw, url, canon.path, { explain: true });
  if (outcome.kind === "bad-request") return json({ error: outcome.reason }, 400);
  if (outcome.kind === "not-found") return json({ path: canon.path, error: "not in the index" }, 404);
  // Explain runs in explain mode, which reports staging inside the decision instead.
  if (outcome.kind === "staged") return json({ path: canon.path, error: "staged" }, 404);
  const origin = originUrl(c.env.ORIGIN_URL, canon.path);
  const base = {
    path: canon.path,
    client: { ...outcome.selection.client, ip: outcome.selection.client.ipText, ipText: undefined },
    scheme: outcome.selection.scheme,
    avoid: outcome.selection.avoid,
    newMirror: outcome.selection.salt !== undefined,
  };
  if (outcome.kind === "unavailable") {
    return json({
      ...base,
      target: "origin",
      reason: "storage-unavailable",
      location: origin,
      lookup: outcome.lookup.kind,
      tableLoaded: outcome.table !== null,
    });
  }
  const d = outcome.decision;
  const show = (m: RankedMirror, rank: number) => ({
    rank,
    id: m.mirror.id,
    name: m.mirror.name,
    country: m.mirror.country,
    tier: m.tier,
    url: m.url,
    weight: m.weight,
    score: m.score,
    ...(m.distanceKm !== undefined ? { distanceKm: Math.round(m.distanceKm) } : {}),
  });
  return json({
    ...base,
    file: { ...outcome.lookup.record, mirrors: outcome.lookup.record.mirrors.length, source: outcome.lookup.source },
    table: { generation: outcome.table.table.generation, source: outcome.table.source, mirrors: outcome.table.table.mirrors.length },
    stickinessKey: d.stickinessKey,
    ...repositoryView(canon.path, outcome.table.table.policy.repositories, outcome.lookup.record.repoMeta),
    target: d.winner ? "mirror" : "origin",
    ...(d.originReason ? { reason: d.originReason } : {}),
    holders: d.holders,
    ...(d.staged ? { target: "none", reason: "staged", staged: { holders: d.holders, needed: d.staged.needed } } : {}),
    location: d.winner ? d.winner.url : d.staged ? null : origin,
    winner: d.winner ? show(d.winner, 1) : null,
    candidates: d.ranked.map((m, i) => show(m, i + 1)),
    excluded: d.excluded.map((e) => ({
      id: e.mirror.id,
      name: e.mirror.name,
      country: e.mirror.country,
      reason: e.reason,
      ...(e.tier ? { tier: e.tier } : {}),
    })),
  });
}
