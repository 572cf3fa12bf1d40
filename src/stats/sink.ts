/**
 * Where counted events go: Analytics Engine in production, D1 locally and for small networks,
 * nowhere when off. Chosen by `STATS_STORE` and the bindings (docs/statistics.md).
 */

import type { Env } from "../env.js";
import { dataPointOf } from "./analytics-engine.js";
import { writeCountToD1 } from "./d1-store.js";
import type { CountEvent, CountKind } from "./event.js";
import { logOnce } from "../storage/log-once.js";

export type StatsStore = "analytics-engine" | "d1" | "off";

export function statsStoreOf(env: Env): StatsStore {
  const v = env.STATS_STORE;
  if (v === "d1" || v === "off" || v === "analytics-engine") return v;
  return env.STATS ? "analytics-engine" : "off";
}

export interface StatsSink {
  /** A promise only when the store must be waited for. */
  write(e: CountEvent, kind: CountKind): Promise<void> | void;
}

export function statsSinkOf(env: Env): StatsSink | null {
  switch (statsStoreOf(env)) {
    case "analytics-engine": {
      const dataset = env.STATS;
      if (!dataset) {
        logOnce("stats: STATS_STORE is analytics-engine but no STATS dataset is bound; nothing is counted", "see docs/statistics.md");
        return null;
      }
      return { write: (e, kind) => void dataset.writeDataPoint(dataPointOf(e, kind)) };
    }
    case "d1":
      return { write: (e, kind) => writeCountToD1(env.DB, e, kind) };
    case "off":
      return null;
  }
}
