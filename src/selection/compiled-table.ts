/**
 * A mirror table prepared for fast decisions: CIDRs parsed, lists turned into sets, regions
 * resolved. Built once per table load in the isolate, never per request.
 */

import { type UnitVector, unitVector } from "../core/geo.js";
import { type Cidr, parseCidr } from "../core/ip.js";
import { type Mirror, type Tier, TIERS, confinementOf } from "../core/mirror.js";
import type { MirrorTable } from "../core/mirror-table.js";
import { type Policy, compilePathGlobs } from "../core/policy.js";
import { type HealthDoc, isStale, mirrorWithHealth } from "../health/health-doc.js";

export interface CompiledMirror {
  mirror: Mirror;
  cidrs: Cidr[];
  asns: Set<number>;
  /** Countries the mirror serves as extras (extra_countries), a tier after its own. */
  extraCountries: Set<string>;
  allow: Set<string> | null;
  deny: Set<string>;
  region: string | undefined;
  /** Index into TIERS of the widest tier the mirror may serve. */
  confine: number;
  /** The mirror's trace is further behind than policy.health.maxLagSeconds. */
  lagging: boolean;
  /** Its place on the unit sphere, when it has coordinates: bounds its distance-weighted score cheaply. */
  unit: UnitVector | undefined;
}

export interface CompiledTable {
  generation: string;
  policy: Policy;
  mirrors: CompiledMirror[];
  byId: Map<number, CompiledMirror>;
  isOriginPath: (path: string) => boolean;
  /** Files a lagging mirror must not serve: every file, or the mutable ones (policy.health.lagScope). */
  lagMatters: (path: string) => boolean;
  isStagedPath: (path: string) => boolean;
  regionOfCountry: (country: string | undefined) => string | undefined;
  /** The same object in a table and its health overlays: the key of their shared tier index (tier-index.ts). */
  tierKey: object;
}

export function tierIndex(t: Tier): number {
  return TIERS.indexOf(t);
}

export function compileTable(table: MirrorTable): CompiledTable {
  const regionByCountry = new Map<string, string>();
  for (const [region, countries] of Object.entries(table.policy.regions)) {
    for (const cc of countries) regionByCountry.set(cc.toUpperCase(), region);
  }
  const regionOfCountry = (cc: string | undefined) => (cc ? regionByCountry.get(cc) : undefined);
  const maxLag = table.policy.health.maxLagSeconds;
  const mirrors = table.mirrors.map(
    (m): CompiledMirror => ({
      mirror: m,
      // Prefixes were validated at push; one that still fails to parse matches nothing rather than everything.
      cidrs: m.prefixes.map(parseCidr).filter((c): c is Cidr => c !== null),
      asns: new Set(m.asns),
      extraCountries: new Set(m.extraCountries),
      allow: m.allowCountries.length ? new Set(m.allowCountries) : null,
      deny: new Set(m.denyCountries),
      region: m.region ?? regionOfCountry(m.country),
      confine: tierIndex(confinementOf(m)),
      lagging: isLagging(m, maxLag),
      unit: m.lat !== undefined && m.lon !== undefined ? unitVector(m.lat, m.lon) : undefined,
    }),
  );
  return {
    generation: table.generation,
    policy: table.policy,
    mirrors,
    byId: new Map(mirrors.map((c) => [c.mirror.id, c])),
    isOriginPath: compilePathGlobs(table.policy.originPatterns),
    lagMatters: table.policy.health.lagScope === "all" ? () => true : compilePathGlobs(table.policy.health.mutablePatterns),
    isStagedPath: compilePathGlobs(table.policy.release.staged),
    regionOfCountry,
    tierKey: {},
  };
}

const isLagging = (m: Mirror, maxLag: number | null) => maxLag !== null && m.lagSeconds !== undefined && m.lagSeconds > maxLag;

/**
 * The table with a health document applied, by the rule of `applyHealth`: what
 * `compileTable(applyHealth(t, doc))` gives, but reusing every compiled part probes do not touch, so
 * a new probe round costs the edge a pass over the mirrors, not a new parse of the table.
 */
export function withHealth(base: CompiledTable, doc: HealthDoc | null, nowSeconds = Math.floor(Date.now() / 1000)): CompiledTable {
  if (!doc || isStale(doc, base.policy.health.verdictMaxAgeSeconds, nowSeconds)) return base;
  const maxLag = base.policy.health.maxLagSeconds;
  const mirrors = base.mirrors.map((cm): CompiledMirror => {
    const h = doc.mirrors[cm.mirror.id];
    if (!h) return cm;
    const mirror = mirrorWithHealth(cm.mirror, h);
    return { ...cm, mirror, lagging: isLagging(mirror, maxLag) };
  });
  return { ...base, mirrors, byId: new Map(mirrors.map((c) => [c.mirror.id, c])) };
}
