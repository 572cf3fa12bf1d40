/** One probe: fetch a mirror's trace file and judge it. The fetch itself is passed in (workerd or Node). */

import type { Scheme } from "../core/mirror.js";
import type { ProbeOutcome } from "./hysteresis.js";
import { parseTrace } from "./trace.js";

/**
 * GET a URL without following redirects and return its status, its Location (for a 3xx) and the
 * start of its body; throws on network errors and timeouts. Both probers pass their own (workerd,
 * Node over one address family) and share the redirect rule below.
 */
export type FetchText = (url: string, timeoutMs: number) => Promise<{ status: number; text: string; location?: string | null }>;

/** Redirects a probe follows at most; a trace file is one hop away, two at most (http to https). */
const MAX_REDIRECTS = 3;

export interface ProbeTarget {
  mirrorId: number;
  scheme: Scheme;
  url: string;
  /** Address family the probe must use; null when the prober cannot choose (the edge). */
  family: 4 | 6 | null;
  /** The mirror's own base URLs: a redirect may stay within them, never leave them. */
  bases: string[];
}

export interface TraceProbe extends ProbeOutcome {
  /** The time the mirror's trace states, when the probe succeeded. */
  traceAt: number | null;
}

/**
 * Whether a redirect target stays with the mirror: below one of its base URLs, in either scheme
 * (a mirror that sends http to its own https is fine; one that sends a missing file to the origin
 * or elsewhere is not answering for itself).
 */
export function withinBases(target: string, bases: readonly string[]): boolean {
  return bases.some((b) => [b, b.replace(/^http:/, "https:"), b.replace(/^https:/, "http:")].some((v) => target.startsWith(v)));
}

export async function probeTrace(
  fetchText: FetchText,
  url: string,
  timeoutMs: number,
  clock: () => number = Date.now,
  bases: readonly string[] = [url],
): Promise<TraceProbe> {
  const started = clock();
  try {
    let res = await fetchText(url, timeoutMs);
    let at = url;
    for (let hops = 0; res.status >= 300 && res.status < 400 && res.location; hops++) {
      const next = new URL(res.location, at).href;
      if (!withinBases(next, bases))
        return { ok: false, latencyMs: clock() - started, traceAt: null, error: `HTTP ${res.status} for ${at} leaves the mirror's base URLs (to ${next})` };
      if (hops >= MAX_REDIRECTS) return { ok: false, latencyMs: clock() - started, traceAt: null, error: `more than ${MAX_REDIRECTS} redirects from ${url}` };
      at = next;
      res = await fetchText(at, timeoutMs);
    }
    const latencyMs = clock() - started;
    if (res.status !== 200) return { ok: false, latencyMs, traceAt: null, error: `HTTP ${res.status} for ${at}` };
    const traceAt = parseTrace(res.text, Math.floor(clock() / 1000));
    if (traceAt === null) return { ok: false, latencyMs, traceAt: null, error: `trace file states no time: ${JSON.stringify(res.text.slice(0, 40))}` };
    return { ok: true, latencyMs, traceAt, error: null };
  } catch (err) {
    const e = err as Error;
    const timedOut = e?.name === "TimeoutError" || e?.name === "AbortError";
    return {
      ok: false,
      latencyMs: null,
      traceAt: null,
      error: timedOut ? `no answer within ${timeoutMs} ms from ${url}` : `${e?.message ?? String(err)} (${url})`,
    };
  }
}
