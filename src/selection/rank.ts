/**
 * Weighted rendezvous hashing (the "logarithmic method"). For a key k and mirror i with weight
 * w_i, draw u_i = H(k, i) uniform in (0,1) and score s_i = w_i / -ln(u_i); the highest score wins.
 * -ln(u_i) is exponential with rate 1, so s_i^-1 is exponential with rate w_i, and the minimum of
 * independent exponentials falls on i with probability w_i / Σ w_j: shares are exactly
 * proportional to weight over many keys, while one key always gets the same winner for the same
 * candidate set, and a mirror leaving the set moves only the keys it had won.
 */

import { distanceKm } from "../core/geo.js";
import type { Tier } from "../core/mirror.js";
import type { Client } from "./client.js";
import type { CompiledMirror } from "./compiled-table.js";
import { idMix, unitDraw, unitDrawOfMix } from "../core/hash.js";

export interface Weighting {
  weight: number;
  distanceKm?: number;
}

/**
 * In the region and world tiers, distance shapes the weight: w_eff = w / (1 + d / H), so a mirror
 * H km away counts half as much as one next door. Nearer tiers are already local; there distance
 * only adds noise from geolocation error.
 */
export function effectiveWeight(cm: CompiledMirror, tier: Tier, client: Client, halfKm: number): Weighting {
  const m = cm.mirror;
  if ((tier !== "region" && tier !== "world") || halfKm <= 0) return { weight: m.weight };
  if (client.lat === undefined || client.lon === undefined || m.lat === undefined || m.lon === undefined) return { weight: m.weight };
  const d = distanceKm(client.lat, client.lon, m.lat, m.lon);
  return { weight: m.weight / (1 + d / halfKm), distanceKm: d };
}

/** The key and mirror's draw u in (0,1): score = weight / rendezvousDivisor(u). */
export function rendezvousDraw(keyHash: number, mirrorId: number): number {
  return unitDraw(keyHash, mirrorId);
}

/** The mirror's half of its draw, the same for every key: a table keeps it per mirror. */
export const rendezvousMix = idMix;

/** rendezvousDraw(keyHash, id) given rendezvousMix(id). */
export const rendezvousDrawOfMix = unitDrawOfMix;

export function rendezvousDivisor(u: number): number {
  return -Math.log(u);
}

/** 1 - u <= -ln(u): weight / this bounds the score from above without the logarithm. */
export function rendezvousDivisorBelow(u: number): number {
  return 1 - u;
}
