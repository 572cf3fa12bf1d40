/**
 * The push stamp (KV key "pushed"): when a push finished writing records and listings. Its own
 * small key, written last by every push that writes any, so the mirror table's text changes only
 * when mirrors or policy do (an isolate then keeps its compiled table across pushes). An isolate
 * that finds a stamp younger than PROPAGATION_WINDOW_MS knows KV may still lack what that push
 * wrote somewhere, and confirms misses in D1 meanwhile (src/http/decide.ts).
 */

export const PUSH_STAMP_KEY = "pushed";

export interface PushStamp {
  /** When the push wrote its last record or listing (ms, the pushing machine's clock). */
  at: number;
}

/**
 * How long after a push its records may still be missing from KV somewhere: KV's ~60 s to reach
 * every location, and the 60 s an isolate keeps the stamp it read.
 */
export const PROPAGATION_WINDOW_MS = 120_000;

export function parsePushStamp(json: unknown): PushStamp | null {
  const v = json as Partial<PushStamp> | null;
  return v && typeof v === "object" && typeof v.at === "number" && Number.isFinite(v.at) ? { at: v.at } : null;
}

/** Whether misses may be a push still propagating: a young stamp, or none to go by. */
export const pushPropagating = (pushedAt: number | null, now: number) => pushedAt === null || now - pushedAt < PROPAGATION_WINDOW_MS;
