/** What a mirror's listing says it holds, whatever the protocol. */

export interface ListingEntry {
  /** Index path, relative to the mirror's base URL. */
  path: string;
  size: number;
  /** Unix seconds, when the listing gives a time. */
  mtime?: number;
  /** The listing's time resolution in seconds (rsync and MLSD 1, HTML listings 60). */
  mtimeRes: number;
  /** The size is a rounded "4.0M" (Apache, lighttpd): only good enough to pick files to check. */
  approxSize?: boolean;
}

export interface ListOptions {
  /** Only this subtree of the mirror, relative to its base URL ("" for all). */
  subtree: string;
  signal: AbortSignal;
  maxEntries: number;
  maxDepth: number;
  /**
   * Whether to enter a directory (index path, no trailing slash). The scan enters only those the
   * origin has: nothing below any other can count, and a symlink loop on the mirror ends at once.
   */
  wantDir?: (rel: string) => boolean;
}

/**
 * Where a lister puts what it reads, as it reads it (staging.ts keeps it on disk). `get` and
 * `under` look back at what was added, for rsync's symlinks.
 */
export interface ListingSink {
  add(e: ListingEntry): void;
  /** Entries added so far: the count limits are checked against. */
  readonly added: number;
  get(path: string): ListingEntry | undefined;
  under(dir: string): ListingEntry[];
}

export type Lister = (baseUrl: string, opts: ListOptions, sink: ListingSink) => Promise<void>;

export function tooManyEntries(url: string, max: number): ListingError {
  return new ListingError(url, `listing has more than ${max} entries; refused as hostile (raise scan.max_entries if real)`);
}

export class ListingError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${url}: ${message}`);
  }
}
