/**
 * The demo's last 12 hours of probe rounds, so the status page shows the rollout chart the moment
 * `npm start` is up: the origin's trace moves every 10 minutes; each mirror syncs on its own
 * schedule (hourly to every 4 hours), so its lag climbs and drops back as it catches up; the last
 * one stops syncing for 6 hours and catches up 2 hours ago, and one is unreachable for an hour. Only the probe outcomes are made up: the rounds go
 * through the probers' own functions (applyProbeRound, roundWrites) into the local state, and the
 * real probe round the demo runs next continues from there.
 */

import { applyProbeRound, probeTargets } from "../../src/health/round.js";
import { roundWrites } from "../../src/health/health-sql.js";
import { HEALTH_ROWS_SQL, type MirrorHealthRow, ROUND_META_SQL, roundInputsOf, STATUS_ROWS_SQL, type StatusRow } from "../../src/health/state-rows.js";
import type { Mirror } from "../../src/core/mirror.js";
import type { Policy } from "../../src/core/policy.js";
import { batchInBulks, type IndexStore } from "../store/store.js";

const ROUND_SECONDS = 720;
const HOURS = 12;

export async function seedDemoRollout(store: IndexStore, table: { policy: Policy; mirrors: Mirror[] }, now = Math.floor(Date.now() / 1000)): Promise<number> {
  const ids = table.mirrors.map((m) => m.id).sort((a, b) => a - b);
  const originTrace = (t: number) => t - (t % 600);
  const period = new Map(ids.map((id, i) => [id, [3600, 7200, 5400, 14_400, 10_800][i % 5]!]));
  const stalled = ids.at(-1)!;
  const outage = ids.length > 2 ? ids[2]! : null;
  /** The origin's trace as of the mirror's last sync before t. */
  const mirrorTrace = (id: number, t: number) => {
    const p = period.get(id)!;
    let sync = t - ((t + id * 997) % p);
    if (id === stalled && sync > now - 8 * 3600 && sync < now - 2 * 3600) sync = now - 8 * 3600 - ((now - 8 * 3600 + id * 997) % p);
    return originTrace(sync);
  };
  let rounds = 0;
  for (let t = now - HOURS * 3600; t < now - 60; t += ROUND_SECONDS) {
    const [status, health, meta] = await Promise.all([
      store.query<StatusRow>(STATUS_ROWS_SQL),
      store.query<MirrorHealthRow>(HEALTH_ROWS_SQL),
      store.query<{ key: string; value: string }>(ROUND_META_SQL),
    ]);
    const inputs = roundInputsOf(status, health, meta);
    const results = probeTargets(table, inputs.prev, Number.MAX_SAFE_INTEGER).map((target) => {
      const down = target.mirrorId === outage && t > now - 4 * 3600 && t < now - 3 * 3600;
      return {
        target,
        probe: down
          ? { ok: false, latencyMs: null, traceAt: null, error: "connection refused (simulated history)" }
          : { ok: true, latencyMs: 20 + target.mirrorId * 7, traceAt: mirrorTrace(target.mirrorId, t), error: null },
      };
    });
    const { next, history } = applyProbeRound(table, inputs.prev, results, originTrace(t), t);
    const out = await roundWrites(inputs, next, history, t, table.policy.health);
    await batchInBulks(store, out.statements);
    rounds++;
  }
  return rounds;
}
