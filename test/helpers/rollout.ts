/**
 * A day of probe rounds for the status page, written with the prober's own functions
 * (applyProbeRound, roundWrites): de-fra syncs at once, fr-par stops syncing, us-nyc goes down
 * for the last hours. Only the probe outcomes are made up; everything after is the real code path.
 */

import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { Mirror } from "../../src/core/mirror.js";
import { roundWrites } from "../../src/health/health-sql.js";
import { HEALTH_ROWS_SQL, ROUND_META_SQL, roundInputsOf, type RoundInputs, STATUS_ROWS_SQL } from "../../src/health/state-rows.js";
import { applyProbeRound, probeTargets } from "../../src/health/round.js";
import { EMPTY_HEALTH, type HealthState } from "../../src/health/state.js";

export async function seedRollout(stores: { DB: D1Database }, now = Math.floor(Date.now() / 1000)): Promise<HealthState> {
  const { results } = await stores.DB.prepare("SELECT id, name, http_url AS http FROM mirrors ORDER BY id").all<{ id: number; name: string; http: string }>();
  const mirrors = results.map((r) => ({ id: r.id, name: r.name, urls: { http: r.http }, enabled: true }) as Mirror);
  const policy = { ...DEFAULT_POLICY, health: { ...DEFAULT_POLICY.health, traceFile: "TIME", stalledAfterSeconds: 6 * 3600 } };
  const table = { policy, mirrors };
  let state = EMPTY_HEALTH;
  let inputs: RoundInputs = roundInputsOf([], [], []);
  const start = now - 24 * 3600;
  const stalledAt = start + 3600;
  for (let t = start; t <= now; t += 1800) {
    const origin = t - 300;
    const targets = probeTargets(table, state, 100);
    const results = targets.map((target) => {
      const name = mirrors.find((m) => m.id === target.mirrorId)!.name;
      const down = name === "us-nyc" && t > now - 4 * 3600;
      const traceAt = name === "fr-par" ? Math.min(origin, stalledAt) : origin - (name === "us-nyc" ? 1800 : 0);
      return {
        target,
        probe: down ? { ok: false, latencyMs: null, traceAt: null, error: "connection refused" } : { ok: true, latencyMs: 40, traceAt, error: null },
      };
    });
    const round = applyProbeRound(table, state, results, origin, t);
    const out = await roundWrites(inputs, round.next, round.history, t, { historyDays: 14, verdictMaxAgeSeconds: 0 });
    await stores.DB.batch(out.statements.map((s) => stores.DB.prepare(s)));
    // What the next round reads back, as the prober would.
    const [st, he, me] = await Promise.all([STATUS_ROWS_SQL, HEALTH_ROWS_SQL, ROUND_META_SQL].map((q) => stores.DB.prepare(q).all()));
    inputs = roundInputsOf(st!.results as never, he!.results as never, me!.results as never);
    state = inputs.prev;
  }
  await stores.DB.batch([
    stores.DB.prepare("UPDATE mirrors SET files_held = 2, last_scan_at = ? WHERE id = 1").bind(now - 3600),
    stores.DB.prepare("UPDATE mirrors SET files_held = 1, last_scan_at = ? WHERE id <> 1").bind(now - 7200),
    stores.DB.prepare("INSERT INTO meta (key, value) VALUES ('file_count', '3') ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
    stores.DB.prepare("INSERT INTO meta (key, value) VALUES ('policy', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").bind(JSON.stringify(policy)),
  ]);
  return state;
}
