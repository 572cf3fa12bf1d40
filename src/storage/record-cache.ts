/**
 * A small per-isolate cache of decoded file records. On release day a handful of files take
 * most requests; without it, every one of them is a KV read. Bounded in size (least recently used
 * goes first) and in age: a record is trusted for FILE_RECORD_TTL_SECONDS, which stays below KV's
 * own ~60 s propagation delay, so a push reaches clients at most that much later than KV alone.
 * KV's misses are kept too, more briefly and apart (a flood of random paths cannot evict the hot
 * records): a path asked again within MISS_TTL_MS costs no KV read. A file a push adds is then
 * found at most MISS_TTL_MS later than KV alone would find it.
 */

import type { FileRecord } from "../core/file-record.js";

export const DEFAULT_RECORD_TTL_MS = 15_000;
export const MAX_CACHED_RECORDS = 10_000;
export const MISS_TTL_MS = 10_000;
export const MAX_CACHED_MISSES = 2_000;

interface Entry {
  record: FileRecord;
  source: "kv" | "d1";
  at: number;
}

export class RecordCache {
  private readonly entries = new Map<string, Entry>();
  private readonly misses = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = MAX_CACHED_RECORDS,
    private readonly maxMisses = MAX_CACHED_MISSES,
  ) {}

  /** Whether KV said "no such record" for the path within the last MISS_TTL_MS (never longer than the records' TTL). */
  isKnownMiss(path: string, now: number): boolean {
    const at = this.misses.get(path);
    if (at === undefined) return false;
    if (now - at < Math.min(this.ttlMs, MISS_TTL_MS)) return true;
    this.misses.delete(path);
    return false;
  }

  setMiss(path: string, now: number): void {
    if (this.ttlMs <= 0) return;
    this.misses.delete(path);
    this.misses.set(path, now);
    if (this.misses.size > this.maxMisses) this.misses.delete(this.misses.keys().next().value!);
  }

  get(path: string, now: number): Entry | undefined {
    const e = this.entries.get(path);
    if (!e) return undefined;
    if (now - e.at >= this.ttlMs) {
      this.entries.delete(path);
      return undefined;
    }
    // Re-insert to mark as most recently used: Map keeps insertion order.
    this.entries.delete(path);
    this.entries.set(path, e);
    return e;
  }

  set(path: string, record: FileRecord, source: "kv" | "d1", now: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(path);
    this.misses.delete(path);
    this.entries.set(path, { record, source, at: now });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

// One cache per KV binding, like the mirror table: tests and environments do not share records.
const caches = new WeakMap<object, RecordCache>();

export function recordCacheFor(binding: object, ttlMs: number): RecordCache {
  let c = caches.get(binding);
  if (!c) {
    c = new RecordCache(ttlMs);
    caches.set(binding, c);
  }
  return c;
}
