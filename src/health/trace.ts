/**
 * The trace file: the origin rewrites it with the current time (`date -u +%s > TIME`) on a schedule
 * or at every publish, mirrors copy it with everything else, and a mirror's copy tells how far
 * behind it is. Its content is what proves that the tree is really there: a reinstalled web server
 * answering 200 for the base URL has no trace file.
 */

/** Upper bound on what a trace may claim, against clocks far in the future and garbage. */
const MAX_FUTURE_SECONDS = 366 * 86_400;

/**
 * The time a trace file states, in Unix seconds, or null when it states none. Accepts the first
 * line as Unix seconds (Sage, most cron jobs) or a date `Date.parse` understands (`date -u` output,
 * RFC 3339, Debian's trace format).
 */
export function parseTrace(text: string, now: number): number | null {
  const first = text.trimStart().split("\n", 1)[0]!.trim();
  if (first === "" || first.length > 100) return null;
  let t: number;
  if (/^\d{9,12}$/.test(first)) t = Number(first);
  else {
    const ms = Date.parse(first);
    if (!Number.isFinite(ms)) return null;
    t = Math.floor(ms / 1000);
  }
  return t > 0 && t <= now + MAX_FUTURE_SECONDS ? t : null;
}

/**
 * How far a mirror is behind: the origin's trace minus the mirror's, never negative. With a trace
 * the origin rewrites every N minutes this is the mirror's age to within N minutes; with a trace
 * written only at publish it is the gap between the publishes (docs/health.md).
 */
export function lagOf(originTrace: number | null, mirrorTrace: number | null): number | null {
  if (originTrace === null || mirrorTrace === null) return null;
  return Math.max(0, originTrace - mirrorTrace);
}
