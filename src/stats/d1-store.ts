/**
 * D1 as the statistics store: what local development, the tests and small networks use. Each
 * counted request is one batch of three upserts (one row per table); the reads are the same SQL
 * for the Worker and for `mirrorhop stats` (through wrangler).
 */

import { drizzle } from "drizzle-orm/d1";
import { sql } from "drizzle-orm";
import { statsCountryDay, statsMirrorDay, statsUnitDay } from "../db/schema.js";
import { lit } from "../db/sql-literal.js";
import { type CountEvent, type CountKind, dayOf } from "./event.js";
import { type StatsRows, statsRowsOf, type StatsWindow, TOP_COUNTRIES, TOP_UNITS } from "./rows.js";

export async function writeCountToD1(db: D1Database, e: CountEvent, kind: CountKind): Promise<void> {
  const d = drizzle(db);
  const day = dayOf(e.at);
  const add = (t: typeof statsMirrorDay | typeof statsUnitDay | typeof statsCountryDay) => ({
    events: sql`${t.events} + 1`,
    bytes: sql`${t.bytes} + ${e.bytes}`,
  });
  const counts = { events: 1, bytes: e.bytes };
  await d.batch([
    d
      .insert(statsMirrorDay)
      .values({ day, kind, mirrorId: e.mirrorId, tier: e.tier, ...counts })
      .onConflictDoUpdate({ target: [statsMirrorDay.day, statsMirrorDay.kind, statsMirrorDay.mirrorId, statsMirrorDay.tier], set: add(statsMirrorDay) }),
    d
      .insert(statsUnitDay)
      .values({ day, kind, unit: e.unit, ...counts })
      .onConflictDoUpdate({ target: [statsUnitDay.day, statsUnitDay.kind, statsUnitDay.unit], set: add(statsUnitDay) }),
    d
      .insert(statsCountryDay)
      .values({ day, kind, country: e.country, ...counts })
      .onConflictDoUpdate({ target: [statsCountryDay.day, statsCountryDay.kind, statsCountryDay.country], set: add(statsCountryDay) }),
  ]);
}

const sums = (w: StatsWindow) =>
  `sum(CASE WHEN day = ${lit(w.today)} THEN events ELSE 0 END) AS events1d, sum(CASE WHEN day = ${lit(w.today)} THEN bytes ELSE 0 END) AS bytes1d, sum(events) AS events7d, sum(bytes) AS bytes7d`;
const inWindow = (w: StatsWindow) => `day >= ${lit(w.since)} AND day <= ${lit(w.today)}`;

/** The three reads of a report, as SQL with literals (wrangler's --command binds no parameters). */
export function statsReadSql(w: StatsWindow): { mirrors: string; units: string; countries: string } {
  return {
    mirrors: `SELECT mirror_id AS mirrorId, kind, tier, ${sums(w)} FROM stats_mirror_day WHERE ${inWindow(w)} GROUP BY mirror_id, kind, tier`,
    units: `SELECT unit, ${sums(w)} FROM stats_unit_day WHERE ${inWindow(w)} AND kind IN ('download', 'metalink') GROUP BY unit ORDER BY events7d DESC, unit LIMIT ${TOP_UNITS}`,
    countries: `SELECT country, ${sums(w)} FROM stats_country_day WHERE ${inWindow(w)} AND kind IN ('download', 'metalink') GROUP BY country ORDER BY events7d DESC, country LIMIT ${TOP_COUNTRIES}`,
  };
}

export async function readStatsFromD1(db: D1Database, w: StatsWindow): Promise<StatsRows> {
  const q = statsReadSql(w);
  const [mirrors, units, countries] = await db.batch([db.prepare(q.mirrors), db.prepare(q.units), db.prepare(q.countries)]);
  return statsRowsOf({
    mirrors: mirrors!.results as Record<string, unknown>[],
    units: units!.results as Record<string, unknown>[],
    countries: countries!.results as Record<string, unknown>[],
  });
}

/** Drops days older than the retention: run by the cron. */
export function statsRetentionSql(now: number, retentionDays: number): string[] {
  const before = lit(dayOf(now - retentionDays * 86_400));
  return ["stats_mirror_day", "stats_unit_day", "stats_country_day"].map((t) => `DELETE FROM ${t} WHERE day < ${before};`);
}
