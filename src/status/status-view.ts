/**
 * What the status page, its JSON API and the Prometheus metrics show, built from D1 rows and the
 * pushed policy by one pure function, so the three views never disagree.
 */

import type { Mirror, Scheme } from "../core/mirror.js";
import type { Policy } from "../core/policy.js";
import type { HealthState } from "../health/state.js";

export interface SchemeView {
  up: boolean;
  since: number | null;
  checkedAt: number | null;
  failures: number;
  lastError: string | null;
  latencyMs: number | null;
}

export interface MirrorStatusView {
  id: number;
  name: string;
  country: string;
  enabled: boolean;
  urls: Partial<Record<Scheme, string>>;
  /** Per scheme the mirror has a URL for; a scheme never probed yet is absent. */
  schemes: Partial<Record<Scheme, SchemeView>>;
  ipv4Up: boolean | null;
  ipv6Up: boolean | null;
  traceAt: number | null;
  lagSeconds: number | null;
  /** Further behind than max_lag_seconds: the redirector skips it (for the files lag_scope names). */
  lagging: boolean;
  stalled: boolean;
  filesHeld: number;
  /** Share of the current file versions this mirror holds, 0..1; null before the first push with files. */
  coverage: number | null;
  lastScanAt: number | null;
  /** No successful scan within scan.max_claim_age_seconds: the mirror holds nothing until one succeeds. */
  claimsExpired: boolean;
  lastProbeAt: number | null;
}

export interface LagPoint {
  at: number;
  lagSeconds: number | null;
  ok: boolean;
}

export interface StatusView {
  generatedAt: number;
  generation: string;
  traceFile: string | null;
  originTrace: number | null;
  probedAt: number | null;
  fileCount: number;
  policy: { maxLagSeconds: number | null; lagScope: string; downAfter: number; upAfter: number; minMirrors: number };
  mirrors: MirrorStatusView[];
  /** The rollout chart: each mirror's lag over the window, bucketed. */
  history: { from: number; to: number; series: { mirrorId: number; name: string; points: LagPoint[] }[] };
}

export interface StatusInputs {
  now: number;
  generation: string;
  policy: Policy;
  mirrors: (Mirror & { filesHeld: number; lastScanAt: number | null })[];
  health: HealthState;
  fileCount: number;
  probedAt: number | null;
  history: { mirrorId: number; at: number; lagSeconds: number | null; ok: boolean }[];
  window: { from: number; to: number };
}

export function statusView(i: StatusInputs): StatusView {
  const maxLag = i.policy.health.maxLagSeconds;
  const health = new Map(i.health.mirrors.map((h) => [h.mirrorId, h]));
  const mirrors = i.mirrors.map((m): MirrorStatusView => {
    const h = health.get(m.id);
    const schemes: Partial<Record<Scheme, SchemeView>> = {};
    for (const s of i.health.schemes) {
      if (s.mirrorId !== m.id || !m.urls[s.scheme]) continue;
      schemes[s.scheme] = { up: s.up, since: s.since, checkedAt: s.checkedAt, failures: s.failures, lastError: s.lastError, latencyMs: s.latencyMs };
    }
    const checks = Object.values(schemes).map((s) => s.checkedAt ?? 0);
    const lag = h?.lagSeconds ?? null;
    return {
      id: m.id,
      name: m.name,
      country: m.country,
      enabled: m.enabled,
      urls: { ...(m.urls.http ? { http: m.urls.http } : {}), ...(m.urls.https ? { https: m.urls.https } : {}) },
      schemes,
      ipv4Up: h?.ipv4Up ?? null,
      ipv6Up: h?.ipv6Up ?? null,
      traceAt: h?.traceAt ?? null,
      lagSeconds: lag,
      lagging: maxLag !== null && lag !== null && lag > maxLag,
      stalled: h?.stalled ?? false,
      filesHeld: m.filesHeld,
      coverage: i.fileCount > 0 ? m.filesHeld / i.fileCount : null,
      lastScanAt: m.lastScanAt,
      claimsExpired: m.lastScanAt !== null && i.now - m.lastScanAt > i.policy.claimMaxAgeSeconds,
      lastProbeAt: checks.length && Math.max(...checks) > 0 ? Math.max(...checks) : null,
    };
  });
  const names = new Map(i.mirrors.map((m) => [m.id, m.name]));
  const series = new Map<number, LagPoint[]>();
  for (const p of i.history) {
    if (!names.has(p.mirrorId)) continue;
    const list = series.get(p.mirrorId) ?? [];
    list.push({ at: p.at, lagSeconds: p.lagSeconds, ok: p.ok });
    series.set(p.mirrorId, list);
  }
  return {
    generatedAt: i.now,
    generation: i.generation,
    traceFile: i.policy.health.traceFile,
    originTrace: i.health.originTrace,
    probedAt: i.probedAt,
    fileCount: i.fileCount,
    policy: {
      maxLagSeconds: maxLag,
      lagScope: i.policy.health.lagScope,
      downAfter: i.policy.health.downAfter,
      upAfter: i.policy.health.upAfter,
      minMirrors: i.policy.release.minMirrors,
    },
    mirrors,
    history: {
      ...i.window,
      series: [...series].map(([mirrorId, points]) => ({ mirrorId, name: names.get(mirrorId)!, points: points.sort((a, b) => a.at - b.at) })),
    },
  };
}
