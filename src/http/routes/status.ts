/**
 * /_mirrorhop/status (HTML with the rollout chart), /_mirrorhop/api/status (JSON) and
 * /_mirrorhop/metrics (Prometheus). All read D1: the probe state and the chart grid the probers keep;
 * none of them is on the download path.
 */

import type { Context } from "hono";
import { policyWithDefaults } from "../../core/policy.js";
import type { Env } from "../../env.js";
import { PROMETHEUS_TYPE, prometheusText } from "../../formats/prometheus.js";
import { statusPageHtml } from "../../formats/status-page.js";
import { readStatusInputs } from "../../storage/status-read.js";
import { logOnce } from "../../storage/log-once.js";
import { type StatusView, statusView } from "../../status/status-view.js";
import { CHART_SPAN_SECONDS } from "../../status/lag-chart-data.js";
import { errorFor, LIVE_HTML_HEADERS, textError } from "../responses.js";
import { LIVE_SCRIPT } from "../../formats/live-refresh.js";
import { mirrorPageHtml } from "../../formats/mirror-page.js";
import { readMirrorExtras } from "../../storage/mirror-page-read.js";
import { readStats } from "../../storage/stats-read.js";

const DEFAULT_WINDOW_HOURS = 48;
/** Short enough for an operator watching a release, long enough that a refreshing dashboard costs little. */
const CACHE = "public, max-age=30";

async function loadView(c: Context<{ Bindings: Env }>): Promise<StatusView | Response> {
  const hoursParam = c.req.query("hours");
  const hours = hoursParam === undefined ? DEFAULT_WINDOW_HOURS : Number(hoursParam);
  if (!Number.isInteger(hours) || hours < 1 || hours > 24 * 366)
    return textError(400, `hours must be a whole number from 1 to ${24 * 366}, got ${JSON.stringify(hoursParam)}`);
  const now = Math.floor(Date.now() / 1000);
  try {
    // The chart's grid holds the last 48 hours: a longer window shows those.
    const inputs = await readStatusInputs(c.env.DB, { from: now - Math.min(hours * 3600, CHART_SPAN_SECONDS), to: now });
    const policy = policyWithDefaults(inputs.policyJson ? JSON.parse(inputs.policyJson) : undefined);
    return statusView({ ...inputs, now, policy });
  } catch (err) {
    logOnce("status: D1 read failed", err);
    return textError(503, "status unavailable: the index database could not be read; downloads are not affected");
  }
}

export async function statusPageRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const [v, stats] = await Promise.all([loadView(c), readStats(c.env, new URL(c.req.url).host)]);
  if (v instanceof Response) return v;
  return new Response(statusPageHtml(v, stats), { headers: { ...LIVE_HTML_HEADERS, "Cache-Control": CACHE } });
}

export async function statusJsonRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const v = await loadView(c);
  if (v instanceof Response) return v;
  return c.json(v, 200, { "Cache-Control": CACHE });
}

export async function metricsRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const [v, stats] = await Promise.all([loadView(c), readStats(c.env, new URL(c.req.url).host)]);
  if (v instanceof Response) return v;
  return c.body(prometheusText(v, stats.ok ? stats.view : null), 200, { "Content-Type": PROMETHEUS_TYPE, "Cache-Control": "no-store" });
}

/** /_mirrorhop/api/stats: the download counts as JSON; 503 with the reason when the store cannot be read. */
export async function statsJsonRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const r = await readStats(c.env, new URL(c.req.url).host);
  if (!r.ok) return c.json({ error: r.reason }, 503, { "Cache-Control": "no-store" });
  return c.json(r.view, 200, { "Cache-Control": CACHE });
}

/** /_mirrorhop/status/<name>: one mirror's page. */
export async function mirrorPageRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const name = c.req.param("name") ?? "";
  const now = Math.floor(Date.now() / 1000);
  try {
    const inputs = await readStatusInputs(c.env.DB, { from: now - CHART_SPAN_SECONDS, to: now });
    const cfg = inputs.mirrors.find((m) => m.name === name);
    if (!cfg) return errorFor(c.req.raw, new URL(c.req.url), 404, `no mirror named ${JSON.stringify(name.slice(0, 64))}: see /_mirrorhop/status`);
    const policy = policyWithDefaults(inputs.policyJson ? JSON.parse(inputs.policyJson) : undefined);
    const v = statusView({ ...inputs, now, policy });
    const m = v.mirrors.find((x) => x.id === cfg.id)!;
    const extras = await readMirrorExtras(c.env.DB, cfg.id);
    return new Response(mirrorPageHtml(v, m, cfg, extras), { headers: { ...LIVE_HTML_HEADERS, "Cache-Control": CACHE } });
  } catch (err) {
    logOnce("mirror page: D1 read failed", err);
    return textError(503, "status unavailable: the index database could not be read; downloads are not affected");
  }
}

/** /_mirrorhop/live.js: the status pages' refresh (src/formats/live-refresh.ts). */
export function liveScriptRoute(): Response {
  return new Response(LIVE_SCRIPT, {
    headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff" },
  });
}
