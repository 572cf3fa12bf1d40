/**
 * The index store: the few operations the offline side needs from D1 and KV, with one
 * implementation per target. The push, the prober and the stats report are written against this
 * interface only, so their write order and guarantees are one code path whatever the target.
 */

import type { SqlRunner } from "./migrations.js";
import type { Target } from "./target.js";

export interface KvEntry {
  key: string;
  value: string | Uint8Array;
}

/** How much one write request may carry; the push cuts its bulks to these. */
export interface StoreLimits {
  kvEntries: number;
  kvBytes: number;
  d1Statements: number;
  d1Bytes: number;
  /** Bulks of one step sent at once (the steps themselves stay in order). */
  parallel: number;
}

export interface IndexStore extends SqlRunner {
  readonly kind: Target["kind"];
  /** For logs: where the writes go. */
  readonly where: string;
  readonly limits: StoreLimits;
  migrate(): Promise<string[]>;
  kvPut(entries: KvEntry[]): Promise<void>;
  kvDelete(keys: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function openStore(t: Target): Promise<IndexStore> {
  // Loaded on demand: a push with nothing to write loads neither Miniflare nor the API client.
  if (t.kind === "local") return (await import("./local-store.js")).openLocalStore(t);
  return (await import("./remote-store.js")).openRemoteStore(t);
}

/** Opens the store, runs `fn`, and closes it whatever happens. */
export async function withStore<R>(t: Target, fn: (s: IndexStore) => Promise<R>): Promise<R> {
  const s = await openStore(t);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

/** Statements in order, cut to the store's request size; each request is one batch. */
export async function batchInBulks(store: IndexStore, statements: string[]): Promise<void> {
  const { bulksOf } = await import("../push/bulks.js");
  for (const b of bulksOf(
    statements,
    (s) => [s],
    (s) => s.length + 1,
    store.limits.d1Statements,
    store.limits.d1Bytes,
  ))
    await store.batch(b.encoded);
}
