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
  const failures = probe.ok ? 0 : prev.failures + 1;
  const successes = probe.ok ? prev.successes + 1 : 0;
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
