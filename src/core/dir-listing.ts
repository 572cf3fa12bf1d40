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
