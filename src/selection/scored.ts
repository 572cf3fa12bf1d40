/** A weighed candidate and the order of candidates: by tier, then score, then id. */

import { type UnitVector, unitVector } from "../core/geo.js";
import { type Tier, TIERS } from "../core/mirror.js";
import type { Client } from "./client.js";
import type { CompiledMirror } from "./compiled-table.js";

export interface Scored {
  cm: CompiledMirror;
  /** Index into TIERS. */
  tier: number;
  score: number;
  weight: number;
  distanceKm: number | undefined;
}

export const TIER_INDEX = Object.fromEntries(TIERS.map((t, i) => [t, i])) as Record<Tier, number>;

export const better = (a: Scored, b: Scored) => a.tier - b.tier || b.score - a.score || a.cm.mirror.id - b.cm.mirror.id;

/** better(entry, last) < 0 for an entry of this tier, score and id, without building the entry. */
export const beats = (tier: number, score: number, id: number, last: Scored) =>
  tier < last.tier || (tier === last.tier && (score > last.score || (score === last.score && id < last.cm.mirror.id)));

export const unitOf = (c: Client): UnitVector | null => (c.lat !== undefined && c.lon !== undefined ? unitVector(c.lat, c.lon) : null);
