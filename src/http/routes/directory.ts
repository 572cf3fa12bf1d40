import type { Env } from "../../env.js";
import { dirListingHtml, dirListingJson } from "../../formats/dirlisting.js";
import { lookupListing } from "../../storage/listing-lookup.js";
import { errorFor, errorFormat, HTML_HEADERS, NO_STORE, originUrl, redirectResponse } from "../responses.js";
import { nearestListedDir } from "../../storage/nearest-listing.js";

/** `/<dir>/`: the listing from the index as an HTML page, or JSON with ?json / Accept: application/json. */
export async function directoryResponse(env: Env, req: Request, url: URL, dir: string): Promise<Response> {
  const json = errorFormat(req, url) === "json";
  const fail = async (status: number, error: string) =>
    errorFor(req, url, status, error, status === 404 && errorFormat(req, url) === "html" ? await nearestListedDir(env, dir) : "");
  // A directory of more than LISTING_PAGE_ENTRIES entries is stored and shown in pages.
  const pageParam = url.searchParams.get("page");
  const page = pageParam === null ? 1 : /^[1-9][0-9]{0,6}$/.test(pageParam) ? Number(pageParam) : NaN;
  if (Number.isNaN(page)) return fail(400, `page must be a whole number from 1, not ${JSON.stringify(pageParam).slice(0, 40)}`);
  const found = await lookupListing(env, dir, true, page);
  if (found.kind === "unavailable")
    return redirectResponse({ location: originUrl(env.ORIGIN_URL, dir), mirror: "origin", tier: "storage-unavailable", selfUrl: "", maxLinks: 0 });
  if (found.kind === "missing") return fail(404, page > 1 ? `not found: /${dir} has no page ${page}` : `not found: /${dir}`);
  // Listings change only with a push: a minute of shared caching is safe and spares KV. The
  // answer depends on Accept, so a shared cache must keep the two apart. A listing cut short by
  // the D1 fallback's cap is never cached, and says so.
  const headers = { "Cache-Control": found.truncated ? NO_STORE : "public, max-age=60", Vary: "Accept" };
  const note = found.truncated
    ? `partial listing: built from the index database while the listing is not in KV, from its first ${found.truncated.toLocaleString("en")} entries`
    : undefined;
  return json
    ? Response.json({ ...dirListingJson(found.listing), ...(note ? { truncated: true, note } : {}) }, { headers })
    : new Response(dirListingHtml(found.listing, note), { headers: { ...headers, ...HTML_HEADERS } });
}
