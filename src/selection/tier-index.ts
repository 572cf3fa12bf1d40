/**
 * Which mirrors can be in each near tier for a client, looked up instead of tested one by one: a
 * decision then touches the mirrors of the client's prefix, ASN, country and region, and the world
 * tier only when those hold fewer candidates than it needs. Tiers depend on the table's mirrors
 * alone, never on health, so one index serves the table and every health overlay of it; it is
 * built on the first decision that needs it, not at table load.
 */

import { type IpAddress, networkOf } from "../core/ip.js";
import type { Client } from "./client.js";
import type { CompiledMirror, CompiledTable } from "./compiled-table.js";
import { rendezvousMix } from "./rank.js";

type Ids = readonly number[];

interface PrefixGroup {
  family: 4 | 6;
  bits: number;
  byNetwork: Map<string, number[]>;
}

export interface TierIndex {
  prefixes: PrefixGroup[];
  byAsn: Map<number, number[]>;
  byCountry: Map<string, number[]>;
  byExtraCountry: Map<string, number[]>;
  /** Mirrors with an operator region, by region. */
  byRegion: Map<string, number[]>;
  /** Mirrors without one, by continent: the continent decides for them. */
  byContinentNoRegion: Map<string, number[]>;
  /** Every mirror by continent: what decides for a client without a region. */
  byContinent: Map<string, number[]>;
  /** The highest mirror id, for the per-decision marks. */
  maxId: number;
}

const NONE: Ids = [];

function add<K>(map: Map<K, number[]>, key: K, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}

export function buildTierIndex(mirrors: readonly CompiledMirror[]): TierIndex {
  const ix: TierIndex = {
    prefixes: [],
    byAsn: new Map(),
    byCountry: new Map(),
    byExtraCountry: new Map(),
    byRegion: new Map(),
    byContinentNoRegion: new Map(),
    byContinent: new Map(),
    maxId: 0,
  };
  const groups = new Map<string, PrefixGroup>();
  for (const cm of mirrors) {
    const m = cm.mirror;
    const id = m.id;
    ix.maxId = Math.max(ix.maxId, id);
    for (const c of cm.cidrs) {
      const gk = `${c.family}/${c.bits}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { family: c.family, bits: c.bits, byNetwork: new Map() }));
      // A mirror listed twice (two prefixes in one network) is seen once: a decision marks what it saw.
      add(g.byNetwork, networkOf({ family: c.family, bytes: c.bytes } as IpAddress, c.bits), id);
    }
    for (const asn of cm.asns) add(ix.byAsn, asn, id);
    add(ix.byCountry, m.country, id);
    for (const cc of cm.extraCountries) add(ix.byExtraCountry, cc, id);
    if (cm.region !== undefined) add(ix.byRegion, cm.region, id);
    else add(ix.byContinentNoRegion, m.continent, id);
    add(ix.byContinent, m.continent, id);
  }
  ix.prefixes = [...groups.values()];
  return ix;
}

/**
 * The candidates of each near tier in TIERS order (prefix, asn, country, extra-country, region),
 * by the rule of `tierOf`: a mirror may appear under several; the first tier it appears in is its own.
 */
export function nearTierCandidates(ix: TierIndex, client: Client, clientRegion: string | undefined): Ids[] {
  const ip = client.locatedByOverride ? undefined : client.ip;
  let prefix: number[] | readonly number[] = NONE;
  if (ip) {
    for (const g of ix.prefixes) {
      if (g.family !== ip.family) continue;
      const hit = g.byNetwork.get(networkOf(ip, g.bits));
      if (hit) prefix = prefix === NONE ? hit : [...prefix, ...hit];
    }
  }
  const cc = client.country;
  const region: Ids[] =
    clientRegion !== undefined
      ? [ix.byRegion.get(clientRegion) ?? NONE, client.continent !== undefined ? (ix.byContinentNoRegion.get(client.continent) ?? NONE) : NONE]
      : [client.continent !== undefined ? (ix.byContinent.get(client.continent) ?? NONE) : NONE];
  return [
    prefix,
    client.asn !== undefined ? (ix.byAsn.get(client.asn) ?? NONE) : NONE,
    cc ? (ix.byCountry.get(cc) ?? NONE) : NONE,
    cc ? (ix.byExtraCountry.get(cc) ?? NONE) : NONE,
    region.length === 1 ? region[0]! : [...region[0]!, ...region[1]!],
  ];
}

const indexes = new WeakMap<object, TierIndex>();
export interface Slots {
  byId: (CompiledMirror | undefined)[];
  /** Configured weights by id: the world pass bounds a score with these, not the mirror objects. */
  weights: Float64Array;
  /** Each id's half of its rendezvous draw (`rendezvousMix`), the same for every key. */
  mixes: Uint32Array;
  /** SLOT_* bits by id. */
  flags: Uint8Array;
  /** x, y, z of each id's unit vector (SLOT_PLACED): its distance bound without a pointer to follow. */
  units: Float64Array;
}

/** The id is a mirror of the table. */
export const SLOT_MIRROR = 1;
/** The mirror is enabled: it counts as a holder. */
export const SLOT_ENABLED = 2;
/** The mirror has coordinates. */
export const SLOT_PLACED = 4;
const slotsOf = new WeakMap<CompiledTable, Slots>();

/** The table's tier index, shared by its health overlays (they keep `tierKey`). */
export function tierIndexOf(table: CompiledTable): TierIndex {
  let ix = indexes.get(table.tierKey);
  if (!ix) indexes.set(table.tierKey, (ix = buildTierIndex(table.mirrors)));
  return ix;
}

/** The table's mirrors by id, and what the world tier's pass reads of each in flat arrays: a decision looks up every holder. */
export function slotsByIdOf(table: CompiledTable, maxId: number): Slots {
  let slots = slotsOf.get(table);
  if (!slots) {
    slots = {
      byId: new Array<CompiledMirror | undefined>(maxId + 1).fill(undefined),
      weights: new Float64Array(maxId + 1),
      mixes: new Uint32Array(maxId + 1),
      flags: new Uint8Array(maxId + 1),
      units: new Float64Array(3 * (maxId + 1)),
    };
    for (const cm of table.mirrors) {
      const id = cm.mirror.id;
      slots.byId[id] = cm;
      slots.weights[id] = cm.mirror.weight;
      slots.mixes[id] = rendezvousMix(id);
      slots.flags[id] = SLOT_MIRROR | (cm.mirror.enabled ? SLOT_ENABLED : 0) | (cm.unit ? SLOT_PLACED : 0);
      if (cm.unit) slots.units.set(cm.unit, 3 * id);
    }
    slotsOf.set(table, slots);
  }
  return slots;
}
