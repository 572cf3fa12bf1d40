/** One probe: fetch a mirror's trace file and judge it. The fetch itself is passed in (workerd or Node). */

import type { Scheme } from "../core/mirror.js";
import type { ProbeOutcome } from "./hysteresis.js";
import { parseTrace } from "./trace.js";

/** GET a URL and return its status and the start of its body; throws on network errors and timeouts. */
export type FetchText = (url: string, timeoutMs: number) => Promise<{ status: number; text: string }>;

export interface ProbeTarget {
  mirrorId: number;
  scheme: Scheme;
  url: string;
  /** Address family the probe must use; null when the prober cannot choose (the edge). */
  family: 4 | 6 | null;
}

export interface TraceProbe extends ProbeOutcome {
  /** The time the mirror's trace states, when the probe succeeded. */
  traceAt: number | null;
}

export async function probeTrace(fetchText: FetchText, url: string, timeoutMs: number, clock: () => number = Date.now): Promise<TraceProbe> {
  const started = clock();
  try {
    const res = await fetchText(url, timeoutMs);
    const latencyMs = clock() - started;
    if (res.status !== 200) return { ok: false, latencyMs, traceAt: null, error: `HTTP ${res.status} for ${url}` };
    const traceAt = parseTrace(res.text, Math.floor(clock() / 1000));
    if (traceAt === null) return { ok: false, latencyMs, traceAt: null, error: `trace file states no time: ${JSON.stringify(res.text.slice(0, 40))}` };
    return { ok: true, latencyMs, traceAt, error: null };
  } catch (err) {
    const e = err as Error;
    const timedOut = e?.name === "TimeoutError" || e?.name === "AbortError";
    return { ok: false, latencyMs: null, traceAt: null, error: timedOut ? `no answer within ${timeoutMs} ms from ${url}` : `${e?.message ?? String(err)} (${url})` };
  }
}
