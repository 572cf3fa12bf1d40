import type { Env } from "../../env.js";
import { dirListingHtml, dirListingJson } from "../../formats/dirlisting.js";
import { lookupListing } from "../../storage/listing-lookup.js";
import { HTML_HEADERS, NO_STORE, originUrl, redirectResponse, textError } from "../responses.js";

/** `/<dir>/`: the listing from the index as an HTML page, or JSON with ?json / Accept: application/json. */
export async function directoryResponse(env: Env, req: Request, url: URL, dir: string): Promise<Response> {
  const found = await lookupListing(env, dir);
  if (found.kind === "unavailable") return redirectResponse({ location: originUrl(env.ORIGIN_URL, dir), mirror: "origin", tier: "storage-unavailable", selfUrl: "", maxLinks: 0 });
  const json = url.searchParams.has("json") || (req.headers.get("accept") ?? "").includes("application/json");
  if (found.kind === "missing") {
    return json ? Response.json({ error: `not found: /${dir}` }, { status: 404, headers: { "Cache-Control": NO_STORE } }) : textError(404, `not found: /${dir}`);
  }
  // Listings change only with a push: a minute of shared caching is safe and spares KV. The
  // answer depends on Accept, so a shared cache must keep the two apart. A listing cut short by
  // the D1 fallback's cap is never cached, and says so.
  const headers = { "Cache-Control": found.truncated ? NO_STORE : "public, max-age=60", Vary: "Accept" };
  const note = found.truncated ? `partial listing: built from the index database while the listing is not in KV, from its first ${found.truncated.toLocaleString("en")} files under this directory` : undefined;
  return json
    ? Response.json({ ...dirListingJson(found.listing), ...(note ? { truncated: true, note } : {}) }, { headers })
    : new Response(dirListingHtml(found.listing, note), { headers: { ...headers, ...HTML_HEADERS } });
}
