/**
 * Which holders of a file are weighed, and in what order. Explain weighs every one; the hot path
 * (a redirect's best `limit`) looks the near tiers up, best first, and weighs the world tier's
 * holders with the best score bounds first, so most holders cost a hash and a comparison.
 * Both give the same `ranked`; the hot path's `excluded` lists only the holders it weighed.
 */

import type { FileRecord } from "../core/file-record.js";
import { distanceKmAtLeastXyz } from "../core/geo.js";
import type { Client } from "./client.js";
import type { CompiledMirror, CompiledTable } from "./compiled-table.js";
import { rendezvousDivisorBelow, rendezvousDrawOfMix } from "./rank.js";
import { beats, type Scored, TIER_INDEX, unitOf } from "./scored.js";
import { nearTierCandidates, SLOT_ENABLED, SLOT_PLACED, type Slots, slotsByIdOf, tierIndexOf } from "./tier-index.js";
import { tierOf } from "./tiers.js";

/** Weighs one holder in tier `t` (an index into TIERS) and keeps it if it is among the best so far. */
export type Consider = (cm: CompiledMirror, t: number) => void;

/** Every holder in turn, its tier tested: explain's view, which lists every mirror. Returns the enabled holders. */
export function considerEvery(table: CompiledTable, file: FileRecord, client: Client, clientRegion: string | undefined, consider: Consider): number {
  let holders = 0;
  for (const id of file.mirrors) {
    const cm = table.byId.get(id);
    // A record naming a mirror the table no longer has: the mirror was removed, so it gets nothing.
    if (!cm) continue;
    if (cm.mirror.enabled) holders++;
    consider(cm, TIER_INDEX[tierOf(cm, client, clientRegion)]);
  }
  return holders;
}

// Per-decision marks by mirror id (held by the file, already weighed), cleared by moving to the next stamp.
let stamp = 0;
let held = new Uint32Array(0);
let seen = new Uint32Array(0);
/** Ids above this go the slow way rather than size the marks to them. */
const MAX_MARKED_ID = 1 << 20;

function nextStamp(maxId: number): number {
  if (held.length <= maxId) {
    held = new Uint32Array(maxId + 1);
    seen = new Uint32Array(maxId + 1);
    stamp = 0;
  }
  if (stamp === 0xffffffff) {
    held.fill(0);
    seen.fill(0);
    stamp = 0;
  }
  return ++stamp;
}

/**
 * The hot path: the near tiers' mirrors are looked up in the tier index, best tier first, and the
 * world tier is weighed only when the near tiers left fewer than `limit` candidates. Returns the
 * enabled holders.
 */
export function considerNearFirst(
  table: CompiledTable,
  file: FileRecord,
  client: Client,
  clientRegion: string | undefined,
  keyHash: number,
  limit: number,
  top: readonly Scored[],
  consider: Consider,
): number {
  const ix = tierIndexOf(table);
  if (ix.maxId > MAX_MARKED_ID) return considerEvery(table, file, client, clientRegion, consider);
  const slots = slotsByIdOf(table, ix.maxId);
  const s = nextStamp(ix.maxId);
  const near = nearTierCandidates(ix, client, clientRegion);
  const world: World = { table, slots, file, client, keyHash, s, limit, top, consider };
  // A client with no mirror near it (most of the world, for a network in a few countries) has every
  // holder in the world tier: nothing to mark, and the world pass counts the holders.
  if (!near.some((ids) => ids.length > 0)) return considerWorld(world);
  const { byId, flags } = slots;
  let holders = 0;
  for (const id of file.mirrors) {
    const f = id <= ix.maxId ? flags[id]! : 0;
    if (f === 0) continue;
    held[id] = s;
    if (f & SLOT_ENABLED) holders++;
  }
  // A tier once begun is weighed whole: a later mirror of it may beat the ones kept.
  for (let t = 0; t < near.length && top.length < limit; t++) {
    for (const id of near[t]!) {
      if (held[id] !== s || seen[id] === s) continue;
      seen[id] = s;
      consider(byId[id]!, t);
    }
  }
  if (top.length < limit) considerWorld(world);
  return holders;
}

interface World {
  table: CompiledTable;
  slots: Slots;
  file: FileRecord;
  client: Client;
  keyHash: number;
  /** This decision's stamp. */
  s: number;
  limit: number;
  top: readonly Scored[];
  consider: Consider;
}

/** How many of the world tier's best bounds are weighed before the rest. */
const bestFirst = (limit: number) => Math.min(2 * limit, 32);
let firstIds = new Int32Array(0);
let firstBounds = new Float64Array(0);

/**
 * The world tier, best bounds first. Each holder's draw gives a bound on its score (consider's
 * bounds: its weight, shrunk by a lower bound of its distance, over 1 - u); the holders with the
 * best bounds are weighed first, so the kept candidates are the likely winners. When the last
 * one kept then beats the least bound weighed, no holder left out can rank and none is weighed:
 * the usual case, in which every other holder cost its draw and one comparison. Holders weighed
 * in a near tier keep their place there. Returns the enabled holders.
 */
function considerWorld({ table, slots, file, client, keyHash, s, limit, top, consider }: World): number {
  const { byId, weights, mixes, flags, units } = slots;
  const world = TIER_INDEX.world;
  const maxId = byId.length - 1;
  const halfKm = table.policy.distanceHalfKm;
  const cu = halfKm > 0 ? unitOf(client) : null;
  const m = bestFirst(limit);
  if (firstIds.length < m) {
    firstIds = new Int32Array(m);
    firstBounds = new Float64Array(m);
  }
  let n = 0;
  let holders = 0;
  for (const id of file.mirrors) {
    const f = id <= maxId ? flags[id]! : 0;
    if (f === 0) continue;
    if (f & SLOT_ENABLED) holders++;
    // Not only a saving: a near tier's mirrors have the best bounds, and would crowd out the world's.
    if (seen[id] === s) continue;
    let b = weights[id]! / rendezvousDivisorBelow(rendezvousDrawOfMix(keyHash, mixes[id]!));
    // Distance only lowers a bound: it is worked out only for one that could still be among the best.
    if (n === m && !(b > firstBounds[m - 1]!)) continue;
    if (cu && f & SLOT_PLACED) {
      b /= 1 + distanceKmAtLeastXyz(units[3 * id]!, units[3 * id + 1]!, units[3 * id + 2]!, cu) / halfKm;
      if (n === m && !(b > firstBounds[m - 1]!)) continue;
    }
    let i = n < m ? n++ : m - 1;
    for (; i > 0 && b > firstBounds[i - 1]!; i--) {
      firstBounds[i] = firstBounds[i - 1]!;
      firstIds[i] = firstIds[i - 1]!;
    }
    firstBounds[i] = b;
    firstIds[i] = id;
  }
  for (let i = 0; i < n; i++) {
    const id = firstIds[i]!;
    if (seen[id] === s) continue;
    seen[id] = s;
    consider(byId[id]!, world);
  }
  // Every holder left out has a bound at most the least one weighed (an id of -1 makes a tie count).
  const last = top.length >= limit ? top[top.length - 1]! : undefined;
  if (n < m || (last && !beats(world, firstBounds[m - 1]!, -1, last))) return holders;
  // Filters excluded enough of the best that the rest may rank: consider bounds each of them itself.
  for (const id of file.mirrors) {
    if (id > maxId || flags[id] === 0 || seen[id] === s) continue;
    seen[id] = s;
    consider(byId[id]!, world);
  }
  return holders;
}
