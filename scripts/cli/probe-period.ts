/** `config check`'s line on probing: how often the cron reaches each mirror URL with this config and wrangler.toml. */

import { minutesText, probePeriod } from "../../src/health/probe-period.js";
import { type Config, mirrorOf } from "../config/schema.js";
import { cronMinutes } from "../store/wrangler-config.js";

/** Above this, say how to probe more often. */
const SLOW_MINUTES = 60;

export function probeLine(c: Config, cron: number | null = cronMinutes()): string {
  const h = c.policy.health;
  if (!h.traceFile) return "probes: off ([origin] trace is not set; docs/health.md)";
  const targets = c.mirrors
    .map(mirrorOf)
    .filter((m) => m.enabled)
    .reduce((n, m) => n + (m.urls.http ? 1 : 0) + (m.urls.https ? 1 : 0), 0);
  const every = cron ?? 5;
  const p = probePeriod(targets, h.maxProbesPerRun, every, h.downAfter);
  const source = cron === null ? "no */N cron in wrangler.toml [triggers]; assumed" : "wrangler.toml [triggers]";
  const line = `probes: ${p.targets} mirror URLs, up to ${p.perRound} a round every ${minutesText(every)} (${source}): each probed every ${minutesText(p.periodMinutes)}; a dead one is marked down after ${minutesText(p.downAfterMinutes)}`;
  return p.periodMinutes > SLOW_MINUTES
    ? `${line}. To probe more often, raise [health] max_probes_per_run on Workers Paid (up to 1,000 subrequests a run; docs/plans-and-limits.md)`
    : line;
}
