/**
 * What the status page, /_mirrorhop/api/stats, the metrics and `mirrorhop stats` show of the
 * counts: one pure function over a store's rows and the mirror table, so they never disagree.
 */

import { COUNT_KINDS, type CountKind, ORIGIN_ID } from "./event.js";
import type { CountryCountRow, Counts, StatsRows, StatsWindow, UnitCountRow } from "./rows.js";

export interface MirrorShareView {
  id: number;
  name: string;
  weight: number;
  enabled: boolean;
  /** This mirror's weight over the enabled mirrors' total: the share a world of equal clients would give it. */
  weightShare: number;
  downloads: Counts;
  /** Its share of the downloads sent to mirrors (events and bytes, today and 7 days), 0..1; null when there were none. */
  share: { events1d: number | null; events7d: number | null; bytes1d: number | null; bytes7d: number | null };
}

export interface StatsView {
  store: string;
  window: StatsWindow;
  /** Every kind's totals: downloads, resumes, repeats and the documents. */
  totals: Record<CountKind, Counts>;
  mirrors: MirrorShareView[];
  /** Downloads the origin took, and why (tier → counts). */
  origin: { downloads: Counts; byReason: Record<string, Counts>; shareOfAll: { events1d: number | null; events7d: number | null } };
  /** Downloads per client tier (country, region, world …), mirrors and origin together. */
  byTier: Record<string, Counts>;
  units: UnitCountRow[];
  countries: CountryCountRow[];
}

const zero = (): Counts => ({ events1d: 0, bytes1d: 0, events7d: 0, bytes7d: 0 });
const add = (a: Counts, b: Counts) => {
  a.events1d += b.events1d;
  a.bytes1d += b.bytes1d;
  a.events7d += b.events7d;
  a.bytes7d += b.bytes7d;
};
const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

export function statsView(
  store: string,
  window: StatsWindow,
  rows: StatsRows,
  mirrors: readonly { id: number; name: string; weight: number; enabled: boolean }[],
): StatsView {
  const totals = Object.fromEntries(COUNT_KINDS.map((k) => [k, zero()])) as Record<CountKind, Counts>;
  const perMirror = new Map<number, Counts>();
  const origin = zero();
  const byReason: Record<string, Counts> = {};
  const byTier: Record<string, Counts> = {};
  for (const r of rows.mirrors) {
    if (!(r.kind in totals)) continue;
    add(totals[r.kind], r);
    if (r.kind !== "download") continue;
    add((byTier[r.tier] ??= zero()), r);
    if (r.mirrorId === ORIGIN_ID) {
      add(origin, r);
      add((byReason[r.tier] ??= zero()), r);
    } else {
      let c = perMirror.get(r.mirrorId);
      if (!c) perMirror.set(r.mirrorId, (c = zero()));
      add(c, r);
    }
  }
  const toMirrors = zero();
  for (const c of perMirror.values()) add(toMirrors, c);
  const weightTotal = mirrors.reduce((s, m) => s + (m.enabled ? m.weight : 0), 0);
  const all = totals.download;
  return {
    store,
    window,
    totals,
    mirrors: mirrors.map((m) => {
      const d = perMirror.get(m.id) ?? zero();
      return {
        id: m.id,
        name: m.name,
        weight: m.weight,
        enabled: m.enabled,
        weightShare: m.enabled && weightTotal > 0 ? m.weight / weightTotal : 0,
        downloads: d,
        share: {
          events1d: ratio(d.events1d, toMirrors.events1d),
          events7d: ratio(d.events7d, toMirrors.events7d),
          bytes1d: ratio(d.bytes1d, toMirrors.bytes1d),
          bytes7d: ratio(d.bytes7d, toMirrors.bytes7d),
        },
      };
    }),
    origin: { downloads: origin, byReason, shareOfAll: { events1d: ratio(origin.events1d, all.events1d), events7d: ratio(origin.events7d, all.events7d) } },
    byTier,
    units: rows.units,
    countries: rows.countries,
  };
}
