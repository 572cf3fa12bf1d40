/** The cron's second job: D1's statistics keep policy.stats.retentionDays of days (Analytics Engine keeps its own three months). */

import type { Env } from "../env.js";
import { statsRetentionSql } from "../stats/d1-store.js";
import { statsStoreOf } from "../stats/sink.js";
import { getMirrorTable } from "../storage/mirror-table.js";
import { DEFAULT_POLICY } from "../core/policy.js";

export async function expireStats(env: Env, now = Math.floor(Date.now() / 1000)): Promise<void> {
  if (statsStoreOf(env) !== "d1") return;
  const loaded = await getMirrorTable(env);
  const days = (loaded?.table.policy ?? DEFAULT_POLICY).stats.retentionDays;
  await env.DB.batch(statsRetentionSql(now, days).map((s) => env.DB.prepare(s)));
}
