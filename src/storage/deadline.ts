/**
 * Bounded waits on storage. A binding that hangs must cost a download a short delay, not the
 * request: after the deadline the caller falls back (KV → D1 → origin) exactly as on an error.
 */

/** KV answers from the edge cache in a few ms and from its central store in well under a second. */
export const KV_DEADLINE_MS = 1000;
/** D1 is one region away and may wake up a database. */
export const D1_DEADLINE_MS = 2000;

export class StorageTimeout extends Error {}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageTimeout(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
