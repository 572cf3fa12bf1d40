/**
 * `/_mirrorhop/mirrorlist/<root file>`: the mirrors that hold the current version of every metadata
 * file of one repository, as its package manager reads them. The root file names the repository
 * and its kind: `…/dists/<suite>/InRelease` (apt), `…/repodata/repomd.xml` (dnf), `…/<repo>.db`
 * (pacman). One KV read: the root file's record carries the repository's consistent set.
 */

import type { Context } from "hono";
import { canonicalisePath, encodePathForUrl } from "../../core/path.js";
import { unitOfRootFile } from "../../core/repository.js";
import type { Env } from "../../env.js";
import { repoMirrorList } from "../../formats/repo-mirrorlist.js";
import { ORIGIN_ONLY_REASONS } from "../../selection/select.js";
import { decide } from "../decide.js";
import { NO_STORE, originUrl, textError } from "../responses.js";
import { counterFor } from "../count.js";

const PREFIX = "/_mirrorhop/mirrorlist";
const MAX_ENTRIES = 50;

export async function repoMirrorListRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const url = new URL(c.req.url);
  const canon = canonicalisePath(url.pathname.slice(PREFIX.length) || "/");
  if (!canon.ok) return textError(400, `bad request path: ${canon.reason}`);
  const unit = canon.isDirectory ? null : unitOfRootFile(canon.path);
  if (!unit) {
    return textError(
      400,
      `/${canon.path} names no repository root file: ask for …/dists/<suite>/InRelease (apt), …/repodata/repomd.xml (dnf) or …/<repo>.db (pacman)`,
    );
  }
  const outcome = await decide(c.env, c.req.raw, url, canon.path, { limit: MAX_ENTRIES, confirmMiss: true });
  if (outcome.kind === "bad-request") return textError(400, outcome.reason);
  if (outcome.kind === "not-found") return textError(404, `not found: /${canon.path}`);
  if (outcome.kind === "staged") return textError(404, `not yet released: /${canon.path}`);
  const baseDir = unit.base ? `${encodePathForUrl(unit.base)}/` : "";
  // Only a declared repository's record says its mirrors are consistent: anything else, and
  // metadata the operator keeps on the origin, lists the origin alone.
  const consistent =
    outcome.kind === "decided" &&
    outcome.lookup.record.repoMeta === "consistent" &&
    !(outcome.decision.originReason && ORIGIN_ONLY_REASONS.has(outcome.decision.originReason));
  const mirrors = consistent
    ? outcome.decision.ranked.map((r) => ({ url: r.url.slice(0, r.url.length - encodePathForUrl(canon.path).length) + baseDir, name: r.mirror.name }))
    : [];
  counterFor(c)(outcome, canon.path, "mirrorlist");
  const body = repoMirrorList({
    kind: unit.kind,
    id: unit.id,
    ...(unit.kind === "pacman" ? { repoName: unit.rootFile.slice(unit.rootFile.lastIndexOf("/") + 1, -".db".length) } : {}),
    mirrors,
    origin: originUrl(c.env.ORIGIN_URL, "") + baseDir,
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      // Ranked for this client's network: never shared by a cache.
      "Cache-Control": NO_STORE,
      "X-MirrorHop-Mirror": mirrors[0]?.name ?? "origin",
    },
  });
}
