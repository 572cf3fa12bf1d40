/** The glue between a route's outcome and the statistics: what a counted request is, handed off after the response. */

import type { Context } from "hono";
import { DEFAULT_POLICY } from "../core/policy.js";
import type { Env } from "../env.js";
import { countEventOf, ORIGIN_ID } from "../stats/event.js";
import { recordCount } from "../stats/record.js";
import { repeatMarks } from "../stats/repeats.js";
import { statsSinkOf } from "../stats/sink.js";
import type { Outcome } from "./decide.js";

export type Counter = (outcome: Outcome, path: string, document?: "metalink" | "checksum" | "mirrorlist") => void;

export function counterFor(c: Context<{ Bindings: Env }>): Counter {
  return (outcome, path, document) => {
    if (outcome.kind === "bad-request" || outcome.kind === "staged") return;
    if (outcome.kind === "not-found" && !outcome.originFallback) return;
    const sink = statsSinkOf(c.env);
    if (!sink) return;
    const policy = outcome.table?.table.policy ?? DEFAULT_POLICY;
    const winner = outcome.kind === "decided" ? outcome.decision.winner : null;
    const event = countEventOf({
      method: c.req.method,
      rangeHeader: c.req.header("range") ?? null,
      path,
      size: outcome.kind !== "not-found" && outcome.lookup.kind === "found" ? outcome.lookup.record.size : null,
      mirrorId: winner ? winner.mirror.id : ORIGIN_ID,
      tier: winner
        ? winner.tier
        : outcome.kind === "decided"
          ? outcome.decision.originReason!
          : outcome.kind === "unavailable"
            ? "storage-unavailable"
            : "unknown-path",
      client: outcome.selection.platform ?? outcome.selection.client,
      policy,
      now: Math.floor(Date.now() / 1000),
      ...(document ? { document } : {}),
      ...(outcome.kind === "not-found" ? { unknown: true } : {}),
    });
    if (!event) return;
    const work = recordCount(
      sink,
      repeatMarks(() => new URL(c.req.url).host, policy.stats.repeatMarks === "data-centre"),
      event,
      policy.stats.repeatWindowSeconds,
    );
    if (!(work instanceof Promise)) return;
    let ctx: { waitUntil(p: Promise<unknown>): void } | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      // No execution context (app.request in a unit test): the work still runs, unawaited.
    }
    ctx?.waitUntil(work);
  };
}
