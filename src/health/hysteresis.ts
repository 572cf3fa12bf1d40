/**
 * Up and down with hysteresis: one lost probe does not take a mirror out, and one good answer
 * does not bring a flapping one back. A scheme goes down after `downAfter` consecutive failures
 * and up after `upAfter` consecutive successes.
 */

import type { HealthPolicy } from "../core/policy.js";
import type { SchemeStatus } from "./state.js";

export interface ProbeOutcome {
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

export function nextSchemeStatus(prev: SchemeStatus, probe: ProbeOutcome, policy: Pick<HealthPolicy, "downAfter" | "upAfter">, now: number): SchemeStatus {
  // Counted only while they can decide something, and up to the threshold they decide at: a steady
  // mirror's row then stops changing, and a round writes nothing for it (docs/health.md). Successes
  // matter only to a mirror that is down; failures past down_after decide nothing more.
  const failures = probe.ok ? 0 : Math.min(prev.failures + 1, policy.downAfter);
  const successes = probe.ok && !prev.up ? Math.min(prev.successes + 1, policy.upAfter) : 0;
  let up = prev.up;
  if (up && failures >= policy.downAfter) up = false;
  else if (!up && successes >= policy.upAfter) up = true;
  return {
    ...prev,
    up,
    since: up !== prev.up ? now : prev.since,
    failures,
    successes,
    checkedAt: now,
    lastError: probe.ok ? null : probe.error,
    latencyMs: probe.latencyMs,
  };
}
