/**
 * Directory listings from the index, never from the origin: one record per directory, built by
 * the push from the origin's files (and by the Worker from D1 when KV lacks one). Entries are in
 * autoindex order: directories first, then files, each by name.
 */

export interface DirEntry {
  name: string;
  dir?: true;
  size?: number;
  mtime?: number;
}

export interface DirListing {
  /** Canonical directory path: "" for the root, else ending in "/". */
  path: string;
  entries: DirEntry[];
  /**
   * Only on a directory of more than LISTING_PAGE_ENTRIES entries: this page (1-based) and the page
   * count. No total: a file added to the last page would then rewrite every page.
   */
  page?: number;
  pages?: number;
}

/**
 * Entries per stored page. One KV value may hold 25 MiB, a listing ~80 bytes an entry, so one value
 * per directory stops at ~320,000 entries; and a browser should not get 29 MiB of HTML. 5,000
 * entries are ~400 KB of JSON and render in milliseconds.
 */
export const LISTING_PAGE_ENTRIES = 5000;

/** A listing as it is stored: one page when it fits, else pages that each say where they stand. */
export function listingPages(l: DirListing, perPage = LISTING_PAGE_ENTRIES): DirListing[] {
  if (l.entries.length <= perPage) return [l];
  const pages = Math.ceil(l.entries.length / perPage);
  return Array.from({ length: pages }, (_, k) => ({ path: l.path, entries: l.entries.slice(k * perPage, (k + 1) * perPage), page: k + 1, pages }));
}

/** How the push's state names a stored page: the directory itself for the first (as before pages), "dir:N" after it. */
export const listingPageId = (dir: string, page: number) => (page <= 1 ? dir : `${dir}:${page}`);

/** The reverse: a directory ends with "/" (or is the root ""), so "a/:3" can only be page 3 of "a/". */
export function parseListingPageId(id: string): { dir: string; page: number } {
  const m = /^(|.*\/):([0-9]+)$/.exec(id);
  return m ? { dir: m[1]!, page: Number(m[2]) } : { dir: id, page: 1 };
}

export function sortEntries(entries: DirEntry[]): DirEntry[] {
  return entries.sort((a, b) => (a.dir === b.dir ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.dir ? -1 : 1));
}

/**
 * Whether a file belongs in listings. A staged file is left out until at least `minMirrors` hold
 * it: the edge refuses it before that, and a listing must never link a 404.
 */
export function isListed(path: string, holders: number, minMirrors: number, isStaged: (path: string) => boolean): boolean {
  return holders >= minMirrors || !isStaged(path);
}

/** Every directory's listing, from the files of the index. */
export function buildListings(files: Iterable<{ path: string; size: number; mtime: number }>): Map<string, DirListing> {
  const dirs = new Map<string, Map<string, DirEntry>>();
  const entriesOf = (dir: string) => {
    let m = dirs.get(dir);
    if (!m) dirs.set(dir, (m = new Map()));
    return m;
  };
  entriesOf("");
  for (const f of files) {
    const parts = f.path.split("/");
    let dir = "";
    for (let i = 0; i < parts.length - 1; i++) {
      entriesOf(dir).set(parts[i]! + "/", { name: parts[i]!, dir: true });
      dir += parts[i] + "/";
    }
    entriesOf(dir).set(parts.at(-1)!, { name: parts.at(-1)!, size: f.size, mtime: f.mtime });
  }
  const out = new Map<string, DirListing>();
  for (const [path, m] of dirs) out.set(path, { path, entries: sortEntries([...m.values()]) });
  return out;
}
