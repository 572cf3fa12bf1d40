/**
 * Cutting a plan into write requests. Items are encoded one at a time as their bulk is formed, so
 * late-rendered values (piece hashes read from the state) are held for one bulk only: a first push
 * of thousands of ISOs stays near 300 MiB (bench/README.md).
 */

import { writeFile } from "node:fs/promises";
import path from "node:path";

export interface Bulk<T, E> {
  items: T[];
  encoded: E[];
}

/**
 * Consecutive bulks of at most `maxCount` encoded entries and `maxBytes` encoded bytes. An item
 * may encode to several entries (a file's detail record and its record): they always share a bulk,
 * so a bulk that lands can be recorded as a whole whatever another bulk in flight does. One item
 * over the byte limit goes alone.
 */
export function* bulksOf<T, E>(items: Iterable<T>, encode: (t: T) => E[], sizeOf: (e: E) => number, maxCount: number, maxBytes: number): Generator<Bulk<T, E>> {
  let bulk: Bulk<T, E> = { items: [], encoded: [] };
  let bytes = 0;
  for (const item of items) {
    const es = encode(item);
    const size = es.reduce((n, e) => n + sizeOf(e), 0);
    if (bulk.items.length > 0 && (bulk.encoded.length + es.length > maxCount || bytes + size > maxBytes)) {
      yield bulk;
      bulk = { items: [], encoded: [] };
      bytes = 0;
    }
    bulk.items.push(item);
    bulk.encoded.push(...es);
    bytes += size;
  }
  if (bulk.items.length) yield bulk;
}

/**
 * Runs `step` over the bulks with at most `parallel` in flight, pulling each bulk only when a slot
 * is free. After a failure no new bulk starts; the ones in flight finish, and the error is thrown.
 */
export async function eachBulk<B>(bulks: Iterator<B>, parallel: number, step: (b: B, i: number) => Promise<void>): Promise<void> {
  let i = 0;
  let failed = false;
  const worker = async () => {
    while (!failed) {
      const n = bulks.next();
      if (n.done) return;
      try {
        await step(n.value, i++);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.max(1, parallel) }, worker));
  const bad = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (bad) throw bad.reason;
}

export interface BulkFrame {
  ext: string;
  open: string;
  sep: string;
  close: string;
}

export const JSON_ARRAY: BulkFrame = { ext: ".json", open: "[", sep: ",", close: "]" };
export const SQL_LINES: BulkFrame = { ext: ".sql", open: "", sep: "\n", close: "\n" };

/** A dry run's plan as files, one per request a push would send, for the operator to read. */
export async function writeBulks<T>(
  dir: string,
  name: string,
  items: T[],
  encode: (t: T) => string,
  frame: BulkFrame,
  maxCount: number,
  maxBytes: number,
): Promise<{ file: string; items: T[] }[]> {
  const out: { file: string; items: T[] }[] = [];
  for (const b of bulksOf(
    items,
    (t) => [encode(t)],
    (s) => s.length + frame.sep.length,
    maxCount,
    maxBytes,
  )) {
    const file = path.join(dir, `${name}-${String(out.length).padStart(4, "0")}${frame.ext}`);
    await writeFile(file, frame.open + b.encoded.join(frame.sep) + frame.close);
    out.push({ file, items: b.items });
  }
  return out;
}
