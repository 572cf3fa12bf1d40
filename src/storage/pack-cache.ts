/**
 * A per-isolate cache of detail packs' bytes. A package manager that takes a Metalink per package
 * asks for many files of one directory in a row, and each would read the directory's pack again
 * (up to ~128 KB). Trusted as long as file records are (FILE_RECORD_TTL_SECONDS): a pack is only
 * ever used for the version its records name, so a stale one cannot mix versions, only miss.
 * Bounded by bytes, least recently used first.
 */

export const MAX_CACHED_PACK_BYTES = 4 * 1024 * 1024;

interface Entry {
  bytes: Uint8Array;
  at: number;
}

export class PackCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxBytes = MAX_CACHED_PACK_BYTES,
  ) {}

  get(key: string, now: number): Uint8Array | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (now - e.at >= this.ttlMs) {
      this.bytes -= e.bytes.length;
      return undefined;
    }
    this.entries.set(key, e);
    return e.bytes;
  }

  set(key: string, bytes: Uint8Array, now: number): void {
    if (this.ttlMs <= 0 || bytes.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.bytes.length;
    }
    this.entries.set(key, { bytes, at: now });
    this.bytes += bytes.length;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes.length;
    }
  }

  get size(): number {
    return this.bytes;
  }
}

const caches = new WeakMap<object, PackCache>();

/** One cache per KV binding, like the records'. */
export function packCacheFor(binding: object, ttlMs: number): PackCache {
  let c = caches.get(binding);
  if (!c) caches.set(binding, (c = new PackCache(ttlMs)));
  return c;
}
