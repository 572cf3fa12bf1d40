/** The plain 302 for an outcome: what a download gets, and what a negotiated Metalink falls back to. */

import type { Env } from "../../env.js";
import type { Outcome } from "../decide.js";
import { originUrl, redirectResponse, selfUrlOf } from "../responses.js";

type Redirectable = Extract<Outcome, { kind: "decided" | "unavailable" }>;

export function redirectFor(env: Env, url: URL, path: string, outcome: Redirectable): Response {
  const selfUrl = selfUrlOf(env, url, path);
  if (outcome.kind === "unavailable") {
    return redirectResponse({
      location: originUrl(env.ORIGIN_URL, path),
      mirror: "origin",
      tier: "storage-unavailable",
      ...(outcome.lookup.kind === "found" ? { file: outcome.lookup.record } : {}),
      selfUrl,
      maxLinks: 0,
    });
  }
  const { decision } = outcome;
  const w = decision.winner;
  return redirectResponse({
    location: w ? w.url : originUrl(env.ORIGIN_URL, path),
    mirror: w ? w.mirror.name : "origin",
    tier: w ? w.tier : decision.originReason!,
    decision,
    file: outcome.lookup.record,
    selfUrl,
    maxLinks: outcome.table.table.policy.maxLinks,
  });
}

/** A path the index does not know, sent to the origin (which answers 404 for what it lacks). */
export function unknownPathRedirect(env: Env, path: string): Response {
  return redirectResponse({ location: originUrl(env.ORIGIN_URL, path), mirror: "origin", tier: "unknown-path", selfUrl: "", maxLinks: 0 });
}
