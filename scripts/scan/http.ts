/**
 * HTTP(S) mirrors through their directory listings: a breadth-first crawl below the base URL,
 * bounded in depth, entries and page size, following redirects only inside the base URL, entering
 * only directories the caller wants, and never visiting a directory twice (so a listing that
 * loops, by redirect or by symlink, ends).
 */

import { parseAutoindex } from "./autoindex.js";
import { TooManyLinks } from "./anchors.js";
import { ListingError, type ListingSink, type ListOptions, tooManyEntries } from "./listing.js";

const MAX_PAGE_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;
const PARALLEL_PAGES = 4;

export async function listHttp(baseUrl: string, opts: ListOptions, sink: ListingSink): Promise<void> {
  const visited = new Set<string>();
  const start = baseUrl + (opts.subtree ? opts.subtree.replace(/\/?$/, "/") : "");
  let frontier: { url: string; rel: string; depth: number }[] = [{ url: start, rel: opts.subtree.replace(/\/$/, ""), depth: 0 }];
  visited.add(start);
  while (frontier.length) {
    const next: typeof frontier = [];
    for (let i = 0; i < frontier.length; i += PARALLEL_PAGES) {
      const batch = frontier.slice(i, i + PARALLEL_PAGES);
      let pages;
      try {
        pages = await Promise.all(batch.map((d) => fetchListing(d.url, baseUrl, opts.signal)));
      } catch (err) {
        // A subtree the mirror no longer has is an answer (it holds nothing there); a missing root is not.
        if (opts.subtree && frontier.length === 1 && frontier[0]!.depth === 0 && err instanceof NotFound) return;
        throw err;
      }
      batch.forEach((dir, k) => {
        const page = pages[k]!;
        // A redirect to a directory seen already (a loop): nothing new here.
        if (page.finalUrl !== dir.url && visited.has(page.finalUrl) && dir.depth > 0) return;
        visited.add(page.finalUrl);
        let entries;
        try {
          entries = parseAutoindex(page.html);
        } catch (err) {
          if (err instanceof TooManyLinks) throw new ListingError(page.finalUrl, err.message);
          throw err;
        }
        for (const e of entries) {
          const rel = dir.rel ? `${dir.rel}/${e.name}` : e.name;
          if (e.isDir) {
            if (opts.wantDir && !opts.wantDir(rel)) continue;
            const url = page.finalUrl + encodeURIComponent(e.name) + "/";
            if (visited.has(url)) continue;
            if (dir.depth + 1 > opts.maxDepth) throw new ListingError(url, `deeper than scan.max_depth (${opts.maxDepth}); a loop?`);
            visited.add(url);
            next.push({ url, rel, depth: dir.depth + 1 });
            continue;
          }
          if (e.size === undefined) continue;
          if (sink.added >= opts.maxEntries) throw tooManyEntries(baseUrl, opts.maxEntries);
          sink.add({
            path: rel,
            size: e.size,
            ...(e.mtime !== undefined ? { mtime: e.mtime } : {}),
            mtimeRes: e.mtimeRes ?? 60,
            ...(e.approxSize ? { approxSize: true } : {}),
          });
        }
      });
    }
    frontier = next;
  }
}

class NotFound extends ListingError {}

async function fetchListing(url: string, baseUrl: string, signal: AbortSignal): Promise<{ html: string; finalUrl: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    let res: Response;
    try {
      res = await fetch(current, { signal, redirect: "manual", headers: { "User-Agent": "mirrorhop-scanner" } });
    } catch (err) {
      throw new ListingError(current, signal.aborted ? "timed out" : `request failed: ${(err as Error).cause ?? (err as Error).message}`);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel();
      const loc = res.headers.get("location");
      if (!loc) throw new ListingError(current, `${res.status} without Location`);
      const next = new URL(loc, current).href;
      if (!next.startsWith(baseUrl)) throw new ListingError(current, `redirects outside the mirror's base URL (to ${next})`);
      current = next;
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw res.status === 404 ? new NotFound(current, "HTTP 404") : new ListingError(current, `HTTP ${res.status}`);
    }
    return { html: await readCapped(res, current, signal), finalUrl: current.endsWith("/") ? current : current + "/" };
  }
  throw new ListingError(url, `more than ${MAX_REDIRECTS} redirects (a loop?)`);
}

async function readCapped(res: Response, url: string, signal: AbortSignal): Promise<string> {
  const reader = res.body!.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (err) {
      // A half-read page is no listing: its missing half would read as files the mirror lacks.
      const cause = (err as Error).cause as { code?: string } | undefined;
      throw new ListingError(
        url,
        signal.aborted
          ? "timed out in the middle of the listing"
          : `connection lost in the middle of the listing after ${total} bytes (${cause?.code ?? (err as Error).message})`,
      );
    }
    const { done, value } = next;
    if (done) break;
    total += value.length;
    if (total > MAX_PAGE_BYTES) {
      await reader.cancel();
      throw new ListingError(url, `listing page larger than ${MAX_PAGE_BYTES} bytes; refused`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

export interface HeadAnswer {
  status: number;
  length: number | null;
}

/**
 * One HEAD as a client sent there would make it, following redirects only while they stay on the
 * mirror's own host: a mirror cannot point the scanner (on a CI runner, inside someone's network)
 * at another address. A redirect elsewhere is answered as it stands, a 3xx, which proves nothing.
 * Null when no answer came.
 */
export async function head(url: string, signal: AbortSignal): Promise<HeadAnswer | null> {
  const host = new URL(url).host;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(current, { method: "HEAD", signal, redirect: "manual", headers: { "User-Agent": "mirrorhop-scanner" } });
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location && hop < MAX_REDIRECTS) {
        const next = new URL(location, current);
        if (next.host === host && (next.protocol === "http:" || next.protocol === "https:")) {
          current = next.href;
          continue;
        }
      }
      const len = res.headers.get("content-length");
      return { status: res.status, length: len !== null && /^\d+$/.test(len) ? Number(len) : null };
    }
  } catch {
    return null;
  }
}

/** The exact size of one file, for listings that print rounded sizes. */
export async function headSize(url: string, signal: AbortSignal): Promise<number | null> {
  const r = await head(url, signal);
  return r && r.status >= 200 && r.status < 300 ? r.length : null;
}
