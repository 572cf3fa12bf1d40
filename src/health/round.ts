/**
 * A probe round as pure functions: which targets to probe within the budget, and how a round's
 * results turn the previous health state into the next one plus history records.
 */

import type { MirrorTable } from "../core/mirror-table.js";
import { type Scheme, SCHEMES } from "../core/mirror.js";
import { nextSchemeStatus } from "./hysteresis.js";
import type { ProbeTarget, TraceProbe } from "./probe.js";
import { type HealthState, type MirrorHealth, type ProbeRecord, type SchemeStatus, newMirrorHealth, newSchemeStatus } from "./state.js";
import { lagOf } from "./trace.js";

/** URL of a mirror's trace file for one scheme. */
export function traceUrl(base: string, traceFile: string): string {
  return base + traceFile.split("/").map(encodeURIComponent).join("/");
}

/**
 * Every enabled mirror's http and https trace URL, the least recently probed first, cut to the
 * budget: with more mirrors than one invocation may fetch, successive runs take turns.
 */
export function probeTargets(
  table: Pick<MirrorTable, "policy" | "mirrors">,
  state: HealthState,
  budget: number,
  families: readonly (4 | 6 | null)[] = [null],
): ProbeTarget[] {
  const traceFile = table.policy.health.traceFile;
  if (!traceFile) return [];
  const checked = new Map(state.schemes.map((s) => [`${s.mirrorId}/${s.scheme}`, s.checkedAt ?? -1]));
  const all: (ProbeTarget & { last: number })[] = [];
  for (const m of table.mirrors) {
    if (!m.enabled) continue;
    for (const scheme of SCHEMES) {
      const base = m.urls[scheme];
      if (!base) continue;
      const bases = [m.urls.http, m.urls.https].filter((u): u is string => u !== undefined);
      for (const family of families)
        all.push({ mirrorId: m.id, scheme, url: traceUrl(base, traceFile), family, bases, last: checked.get(`${m.id}/${scheme}`) ?? -1 });
    }
  }
  all.sort((a, b) => a.last - b.last || a.mirrorId - b.mirrorId || a.scheme.localeCompare(b.scheme) || (a.family ?? 0) - (b.family ?? 0));
  return all.slice(0, Math.max(0, budget)).map(({ last: _last, ...t }) => t);
}

export interface ProbeResult {
  target: ProbeTarget;
  probe: TraceProbe;
}

/**
 * A finished round as both probers (the cron, `mirrorhop probe`) settle it: the origin's trace,
 * or the last known one when it was unreadable, and each target's probe applied.
 */
export function settleRound(
  table: Pick<MirrorTable, "policy" | "mirrors">,
  prev: HealthState,
  targets: ProbeTarget[],
  probes: TraceProbe[],
  origin: TraceProbe,
  now: number,
): { next: HealthState; history: ProbeRecord[]; originTrace: number | null } {
  const originTrace = origin.ok ? origin.traceAt : prev.originTrace;
  const results = targets.map((target, i) => ({ target, probe: probes[i]! }));
  return { ...applyProbeRound(table, prev, results, originTrace, now), originTrace };
}

export function applyProbeRound(
  table: Pick<MirrorTable, "policy" | "mirrors">,
  prev: HealthState,
  results: ProbeResult[],
  originTrace: number | null,
  now: number,
): { next: HealthState; history: ProbeRecord[] } {
  const policy = table.policy.health;
  const known = new Map(table.mirrors.map((m) => [m.id, m]));
  const byScheme = new Map<string, ProbeResult[]>();
  const byMirror = new Map<number, ProbeResult[]>();
  for (const r of results) {
    if (!known.has(r.target.mirrorId)) continue;
    const k = `${r.target.mirrorId}/${r.target.scheme}`;
    byScheme.set(k, [...(byScheme.get(k) ?? []), r]);
    byMirror.set(r.target.mirrorId, [...(byMirror.get(r.target.mirrorId) ?? []), r]);
  }

  // Rows of removed mirrors and of URLs a mirror no longer has are dropped, so no state outlives its mirror.
  const prevSchemes = new Map(prev.schemes.map((s) => [`${s.mirrorId}/${s.scheme}`, s]));
  const schemes: SchemeStatus[] = [];
  for (const m of table.mirrors) {
    for (const scheme of SCHEMES) {
      if (!m.urls[scheme]) continue;
      const k = `${m.id}/${scheme}`;
      const before = prevSchemes.get(k) ?? newSchemeStatus(m.id, scheme);
      const rs = byScheme.get(k);
      if (!rs) {
        schemes.push(before);
        continue;
      }
      // Over several address families, the scheme is up when any family answers; families are judged on their own below.
      const good = rs.find((r) => r.probe.ok);
      const outcome = good ? good.probe : { ok: false, latencyMs: null, error: rs.map((r) => r.probe.error).join("; ") };
      schemes.push(nextSchemeStatus(before, outcome, policy, now));
    }
  }

  const prevMirrors = new Map(prev.mirrors.map((h) => [h.mirrorId, h]));
  const mirrors: MirrorHealth[] = [];
  for (const m of table.mirrors) {
    const before = prevMirrors.get(m.id) ?? newMirrorHealth(m.id);
    const rs = byMirror.get(m.id);
    if (!rs) {
      // Lag grows with the origin's trace even for a mirror not probed this round.
      mirrors.push(withLag(before, before.traceAt, originTrace, now, policy.stalledAfterSeconds));
      continue;
    }
    const traces = rs.filter((r) => r.probe.ok && r.probe.traceAt !== null).map((r) => r.probe.traceAt!);
    // All probes failed: the last trace seen still says how current the mirror was.
    const traceAt = traces.length ? Math.max(...traces) : before.traceAt;
    const familyUp = (f: 4 | 6) => {
      const fr = rs.filter((r) => r.target.family === f);
      return fr.length ? fr.some((r) => r.probe.ok) : before[f === 4 ? "ipv4Up" : "ipv6Up"];
    };
    mirrors.push(withLag({ ...before, ipv4Up: familyUp(4), ipv6Up: familyUp(6) }, traceAt, originTrace, now, policy.stalledAfterSeconds));
  }

  const history: ProbeRecord[] = results
    .filter((r) => known.has(r.target.mirrorId))
    .map((r) => ({
      mirrorId: r.target.mirrorId,
      scheme: r.target.scheme,
      family: r.target.family,
      at: now,
      ok: r.probe.ok,
      lagSeconds: r.probe.ok ? lagOf(originTrace, r.probe.traceAt) : null,
      latencyMs: r.probe.latencyMs,
      error: r.probe.error,
    }));
  return { next: { schemes, mirrors, originTrace }, history };
}

function withLag(h: MirrorHealth, traceAt: number | null, originTrace: number | null, now: number, stalledAfter: number): MirrorHealth {
  const traceSince = traceAt === null ? null : traceAt !== h.traceAt || h.traceSince === null ? now : h.traceSince;
  const lagSeconds = lagOf(originTrace, traceAt);
  const stalled = traceAt !== null && originTrace !== null && traceAt < originTrace && traceSince !== null && now - traceSince > stalledAfter;
  return { ...h, traceAt, traceSince, lagSeconds, stalled };
}

export function isScheme(s: string): s is Scheme {
  return (SCHEMES as readonly string[]).includes(s);
}
