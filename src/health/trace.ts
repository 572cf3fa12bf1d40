/**
 * The trace file: the origin rewrites it with the current time (`date -u +%s > TIME`) on a schedule
 * or at every publish, mirrors copy it with everything else, and a mirror's copy tells how far
 * behind it is. Its content is what proves that the tree is really there: a reinstalled web server
 * answering 200 for the base URL has no trace file.
 */

/** Upper bound on what a trace may claim, against clocks far in the future and garbage. */
const MAX_FUTURE_SECONDS = 366 * 86_400;

// RFC 3339 (a space for the T allowed), always with its zone.
const RFC3339 = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/i;
// `date` output and RFC 2822: a weekday or day first, and a zone stated (UTC, GMT, Z or an offset).
const DATE_OUTPUT = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun),? .*(\b(UTC|GMT|Z)\b|[+-]\d{4}\b)/;

/**
 * The time a trace file states, in Unix seconds, or null when it states none. The first line must
 * be Unix seconds (Sage, most cron jobs), RFC 3339 with a zone, or `date` / RFC 2822 output with a
 * zone (`date -u`, Debian's trace format). A time without a zone would be read in whatever zone
 * the prober runs in, so the edge and `mirrorhop probe` could disagree: it is refused.
 */
export function parseTrace(text: string, now: number): number | null {
  const first = text.trimStart().split("\n", 1)[0]!.trim();
  if (first === "" || first.length > 100) return null;
  let t: number;
  if (/^\d{9,12}$/.test(first)) t = Number(first);
  else {
    if (!RFC3339.test(first) && !DATE_OUTPUT.test(first)) return null;
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
