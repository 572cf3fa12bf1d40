/**
 * The cron handler's work: probe every enabled mirror's trace file over http and https, apply
 * hysteresis, record results and history in D1, and publish the health document the request path
 * merges into the mirror table. Runs within one invocation's subrequest budget (docs/health.md).
 */

import type { Env } from "../env.js";
import { mapPool } from "../core/pool.js";
import { roundWrites } from "../health/health-sql.js";
import { type FetchText, probeTrace } from "../health/probe.js";
import { probeTargets, settleRound, traceUrl } from "../health/round.js";
import { readRoundInputs, writeHealth } from "../storage/health-store.js";
import { getMirrorTable, invalidateMirrorTable } from "../storage/mirror-table.js";

/** A trace file is one line; anything past this is not read (a mirror serving a huge file there costs nothing). */
const MAX_TRACE_BYTES = 4096;

export const fetchTraceText: FetchText = async (url, timeoutMs) => {
  // Redirects are followed by probeTrace, within the mirror's own base URLs only.
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { "User-Agent": "mirrorhop-probe" }, cache: "no-store", redirect: "manual" });
  const location = res.headers.get("location");
  if (!res.body) return { status: res.status, text: "", location };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  while (bytes < MAX_TRACE_BYTES) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    bytes += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  const all = new Uint8Array(bytes);
  let o = 0;
  for (const c of chunks) all.set(c, (o += c.byteLength) - c.byteLength);
  return { status: res.status, text: new TextDecoder().decode(all.subarray(0, MAX_TRACE_BYTES)), location };
};

export interface ProbeRoundSummary {
  probed: number;
  failed: number;
  down: string[];
  originTrace: number | null;
  skipped?: string;
}

export async function probeMirrors(env: Env, fetchText: FetchText = fetchTraceText, clock: () => number = Date.now): Promise<ProbeRoundSummary> {
  invalidateMirrorTable(env);
  const loaded = await getMirrorTable(env, clock());
  if (!loaded) return { probed: 0, failed: 0, down: [], originTrace: null, skipped: "no mirror table" };
  const table = { policy: loaded.table.policy, mirrors: loaded.table.mirrors.map((c) => c.mirror) };
  const policy = table.policy.health;
  if (!policy.traceFile) return { probed: 0, failed: 0, down: [], originTrace: null, skipped: "no trace file configured ([origin] trace)" };

  const inputs = await readRoundInputs(env.DB);
  const prev = inputs.prev;
  // One subrequest goes to the origin's own trace; the rest of the budget to mirrors.
  const targets = probeTargets(table, prev, policy.maxProbesPerRun - 1);
  const originBase = env.ORIGIN_URL.endsWith("/") ? env.ORIGIN_URL : `${env.ORIGIN_URL}/`;
  const all = [{ url: traceUrl(originBase, policy.traceFile), bases: [originBase] }, ...targets];
  const [origin, ...probes] = await mapPool(all, policy.concurrency, (t) => probeTrace(fetchText, t.url, policy.timeoutMs, clock, t.bases));
  const now = Math.floor(clock() / 1000);
  const { next, history, originTrace } = settleRound(table, prev, targets, probes, origin!, now);
  const out = await roundWrites(inputs, next, history, now, policy);
  await writeHealth(env, out.statements, out.doc);
  invalidateMirrorTable(env);
  const names = new Map(table.mirrors.map((m) => [m.id, m.name]));
  return {
    probed: targets.length,
    failed: history.filter((h) => !h.ok).length,
    down: next.schemes.filter((s) => !s.up).map((s) => `${names.get(s.mirrorId)}/${s.scheme}`),
    originTrace,
  };
}
