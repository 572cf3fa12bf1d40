/** Reading and writing the probe state in D1 and the health document in KV, from the Worker. */

import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import { CHART_KEY, type LagChartData, parseChart } from "../status/lag-chart-data.js";
import { meta, mirrorHealth, mirrorStatus } from "../db/schema.js";
import type { Env } from "../env.js";
import { HEALTH_KEY, type HealthDoc, parseHealthDoc } from "../health/health-doc.js";
import { healthStateFromRows } from "../health/state-rows.js";
import type { HealthState } from "../health/state.js";
import { logOnce } from "./log-once.js";

export async function readHealthState(db: D1Database): Promise<HealthState> {
  const d = drizzle(db);
  const [status, health, metaRows] = await Promise.all([
    d.select().from(mirrorStatus).all(),
    d.select().from(mirrorHealth).all(),
    d.select().from(meta).where(eq(meta.key, "origin_trace")).all(),
  ]);
  return healthStateFromRows(status, health, metaRows);
}

/** The rollout chart's grid as the last round left it; null before the first round (or if unreadable). */
export async function readChart(db: D1Database): Promise<LagChartData | null> {
  const row = await drizzle(db).select().from(meta).where(eq(meta.key, CHART_KEY)).get();
  return parseChart(row?.value);
}

/** D1 first (the source of truth), then the document the request path reads. */
export async function writeHealth(env: Env, statements: string[], doc: HealthDoc): Promise<void> {
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
  await env.INDEX.put(HEALTH_KEY, JSON.stringify(doc));
}

/** The health document for the request path; null (everyone counts as up) when it is missing or unreadable. */
// The document parsed last per binding, by its text: probe rounds rewrite it every few minutes, the
// table reloads every minute, so most reloads find the same text and reuse the same object.
const parsed = new WeakMap<object, { text: string; doc: HealthDoc }>();

export async function readHealthDoc(env: Env): Promise<HealthDoc | null> {
  try {
    const text = await env.INDEX.get(HEALTH_KEY, "text");
    if (!text) return null;
    const last = parsed.get(env.INDEX);
    if (last?.text === text) return last.doc;
    const doc = parseHealthDoc(JSON.parse(text));
    parsed.set(env.INDEX, { text, doc });
    return doc;
  } catch (err) {
    logOnce("KV health document read failed", err);
    return null;
  }
}
