import type { Context } from "hono";
import { canonicalisePath, encodePathForUrl } from "../../core/path.js";
import { lookupListing } from "../../storage/listing-lookup.js";
import { directoryResponse } from "./directory.js";
import type { Env } from "../../env.js";
import { decide } from "../decide.js";
import { derivedOf, derivedResponse, negotiatedMetalink } from "./derived.js";
import { errorFor, errorFormat, NO_STORE, stagedMessage } from "../responses.js";
import { nearestListedDir } from "../../storage/nearest-listing.js";
import { redirectFor, unknownPathRedirect } from "./redirect.js";
import { counterFor } from "../count.js";

export async function downloadRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const url = new URL(c.req.url);
  const canon = canonicalisePath(url.pathname);
  if (!canon.ok) return errorFor(c.req.raw, url, 400, `bad request path: ${canon.reason}`);
  if (canon.isDirectory) return directoryResponse(c.env, c.req.raw, url, canon.path);
  const path = canon.path;
  // aria2c asks for Metalinks in Accept on every request, the .meta4 itself included: a path that
  // already names a derived document is not negotiated again.
  const derived = derivedOf(path);
  const wants = derived ? null : negotiatedMetalink(c.req.header("accept") ?? null);
  const count = counterFor(c);
  if (wants) return derivedResponse(c.env, c.req.raw, url, path, wants, true, count);
  const outcome = await decide(c.env, c.req.raw, url, path);
  switch (outcome.kind) {
    case "bad-request":
      return errorFor(c.req.raw, url, 400, outcome.reason);
    case "not-found": {
      // No file of this name: perhaps a document derived from one (foo.iso.meta4, foo.iso.sha256).
      if (derived) return derivedResponse(c.env, c.req.raw, url, derived.base, derived.format, false, count);
      // A directory asked for without its slash gets the slash, as web servers do.
      const dir = await lookupListing(c.env, path + "/", false);
      if (dir.kind === "found")
        return new Response(null, { status: 301, headers: { Location: `/${encodePathForUrl(path)}/${url.search}`, "Cache-Control": NO_STORE } });
      if (outcome.originFallback) {
        count(outcome, path);
        return unknownPathRedirect(c.env, path);
      }
      return notFound(c.env, c.req.raw, url, `not found: /${path}`, path);
    }
    case "staged":
      return notFound(c.env, c.req.raw, url, stagedMessage(path, outcome.holders, outcome.needed), path);
    case "unavailable":
    case "decided":
      count(outcome, path);
      return redirectFor(c.env, url, path, outcome);
  }
}

/** A 404; a browser's page links the nearest directory above that has a listing (KV reads only then). */
async function notFound(env: Env, req: Request, url: URL, message: string, path: string): Promise<Response> {
  return errorFor(req, url, 404, message, errorFormat(req, url) === "html" ? await nearestListedDir(env, path) : "");
}
