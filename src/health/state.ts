/**
 * What the probes know, as D1 stores it (mirror_status per scheme, mirror_health per mirror) and as
 * both probers (the edge cron and `mirrorhop probe`) read and write it.
 */

import type { Scheme } from "../core/mirror.js";

export interface SchemeStatus {
  mirrorId: number;
  scheme: Scheme;
  up: boolean;
  /** When `up` last changed (Unix seconds); null until it first does. */
  since: number | null;
  /** Consecutive failures and successes: the hysteresis counters. */
  failures: number;
  successes: number;
  checkedAt: number | null;
  lastError: string | null;
  latencyMs: number | null;
}

export interface MirrorHealth {
  mirrorId: number;
  /** The time the mirror's trace file states, and since when it has stated it (Unix seconds). */
  traceAt: number | null;
  traceSince: number | null;
  lagSeconds: number | null;
  /** The trace has not moved for stalledAfterSeconds while the origin's has: the mirror stopped syncing. */
  stalled: boolean;
  /** Per address family, from `mirrorhop probe` (the edge cannot choose a family); null when never probed. */
  ipv4Up: boolean | null;
  ipv6Up: boolean | null;
}

export interface HealthState {
  schemes: SchemeStatus[];
  mirrors: MirrorHealth[];
  /** The origin's trace as last read (Unix seconds). */
  originTrace: number | null;
}

/** One probe, as the history table (and the rollout chart) keeps it. */
export interface ProbeRecord {
  mirrorId: number;
  scheme: Scheme;
  family: 4 | 6 | null;
  at: number;
  ok: boolean;
  lagSeconds: number | null;
  latencyMs: number | null;
  error: string | null;
}

export const EMPTY_HEALTH: HealthState = { schemes: [], mirrors: [], originTrace: null };

export function newSchemeStatus(mirrorId: number, scheme: Scheme): SchemeStatus {
  // A mirror is trusted until probes say otherwise: it was scanned before it holds anything.
  return { mirrorId, scheme, up: true, since: null, failures: 0, successes: 0, checkedAt: null, lastError: null, latencyMs: null };
}

export function newMirrorHealth(mirrorId: number): MirrorHealth {
  return { mirrorId, traceAt: null, traceSince: null, lagSeconds: null, stalled: false, ipv4Up: null, ipv6Up: null };
}
