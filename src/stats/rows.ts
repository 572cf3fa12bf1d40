/**
 * The aggregates every statistics store answers with, whatever it is (D1 or Analytics Engine):
 * counts for today (UTC) and for the seven days ending today.
 */

import { type CountKind, dayOf } from "./event.js";

export interface Counts {
  events1d: number;
  bytes1d: number;
  events7d: number;
  bytes7d: number;
}

export interface MirrorCountRow extends Counts {
  mirrorId: number;
  kind: CountKind;
  tier: string;
}

export interface UnitCountRow extends Counts {
  unit: string;
}

export interface CountryCountRow extends Counts {
  country: string;
}

export interface StatsRows {
  mirrors: MirrorCountRow[];
  /** The most downloaded units (downloads and Metalinks), most first. */
  units: UnitCountRow[];
  /** Downloads and Metalinks per client country, most first. */
  countries: CountryCountRow[];
}

/** The days a report covers: `today` and the six before it. */
export interface StatsWindow {
  today: string;
  since: string;
}

export function statsWindowAt(unixSeconds: number): StatsWindow {
  return { today: dayOf(unixSeconds), since: dayOf(unixSeconds - 6 * 86_400) };
}

export const TOP_UNITS = 20;
export const TOP_COUNTRIES = 50;

/** What a store's rows hold as numbers, whatever the driver returned (strings from some JSON APIs). */
export function countsOf(r: Record<string, unknown>): Counts {
  const n = (k: string) => Number(r[k] ?? 0) || 0;
  return { events1d: n("events1d"), bytes1d: n("bytes1d"), events7d: n("events7d"), bytes7d: n("bytes7d") };
}

/** Rows as any driver returned them (the Worker's D1 binding, wrangler's JSON), typed at this boundary. */
export function statsRowsOf(raw: { mirrors: Record<string, unknown>[]; units: Record<string, unknown>[]; countries: Record<string, unknown>[] }): StatsRows {
  return {
    mirrors: raw.mirrors.map((r) => ({ mirrorId: Number(r.mirrorId), kind: String(r.kind) as CountKind, tier: String(r.tier), ...countsOf(r) })),
    units: raw.units.map((r) => ({ unit: String(r.unit), ...countsOf(r) })),
    countries: raw.countries.map((r) => ({ country: String(r.country), ...countsOf(r) })),
  };
}
