/** Reading and writing the probe state in D1 and the health document in KV, from the Worker. */

import type { Env } from "../env.js";
import { encodeHealthDoc, HEALTH_KEY, type HealthDoc, parseHealthDoc, writtenDocRecord } from "../health/health-doc.js";
import {
  HEALTH_ROWS_SQL,
  type MirrorHealthRow,
  ROUND_META_SQL,
  type RoundInputs,
  roundInputsOf,
  STATUS_ROWS_SQL,
  type StatusRow,
} from "../health/state-rows.js";
import { logOnce } from "./log-once.js";

/** What a probe round starts from, read with the same SQL `mirrorhop probe` uses. */
export async function readRoundInputs(db: D1Database): Promise<RoundInputs> {
  const [status, health, metaRows] = await Promise.all([
    db.prepare(STATUS_ROWS_SQL).all<StatusRow>(),
    db.prepare(HEALTH_ROWS_SQL).all<MirrorHealthRow>(),
    db.prepare(ROUND_META_SQL).all<{ key: string; value: string }>(),
  ]);
  return roundInputsOf(status.results, health.results, metaRows.results);
}

/**
 * D1 first (the source of truth), then, when due, the document the request path reads, and only
 * once KV took it the record that it did: a failed KV write is retried by the next round.
 */
export async function writeHealth(env: Env, statements: string[], doc: { doc: HealthDoc; digest: string } | null): Promise<void> {
  await env.DB.batch(statements.map((s) => env.DB.prepare(s)));
  if (!doc) return;
  await env.INDEX.put(HEALTH_KEY, encodeHealthDoc(doc.doc));
  await env.DB.prepare(writtenDocRecord(doc.digest, doc.doc.at)).run();
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
