/**
 * A mirror table prepared for fast decisions: CIDRs parsed, lists turned into sets, regions
 * resolved. Built once per table load in the isolate, never per request.
 */

import { type UnitVector, unitVector } from "../core/geo.js";
import { type Cidr, parseCidr } from "../core/ip.js";
import { type Mirror, type Tier, TIERS, confinementOf } from "../core/mirror.js";
import type { MirrorTable } from "../core/mirror-table.js";
import { type Policy, compilePathGlobs } from "../core/policy.js";
import { type HealthDoc, isStale, type MirrorHealthEntry, mirrorWithHealth } from "../health/health-doc.js";

export interface CompiledMirror {
  mirror: Mirror;
  cidrs: Cidr[];
  asns: ReadonlySet<number>;
  /** Countries the mirror serves as extras (extra_countries), a tier after its own. */
  extraCountries: ReadonlySet<string>;
  allow: ReadonlySet<string> | null;
  deny: ReadonlySet<string>;
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

/** What compiling a mirror needs from the policy: the same for every mirror of a table. */
export interface CompileContext {
  policy: Policy;
  regionOfCountry: (country: string | undefined) => string | undefined;
}

export function compileContext(policy: Policy): CompileContext {
  const regionByCountry = new Map<string, string>();
  for (const [region, countries] of Object.entries(policy.regions)) {
    for (const cc of countries) regionByCountry.set(cc.toUpperCase(), region);
  }
  return { policy, regionOfCountry: (cc) => (cc ? regionByCountry.get(cc) : undefined) };
}

// Most mirrors have no extra, allow or deny countries: one shared empty set spares a table load
// thousands of allocations (the sets are only read).
const EMPTY: ReadonlySet<never> = new Set<never>();
const setOf = <T>(xs: readonly T[]): ReadonlySet<T> => (xs.length ? new Set(xs) : EMPTY);

export function compileMirror(m: Mirror, ctx: CompileContext): CompiledMirror {
  return {
    mirror: m,
    // Prefixes were validated at push; one that still fails to parse matches nothing rather than everything.
    cidrs: m.prefixes.length ? m.prefixes.map(parseCidr).filter((c): c is Cidr => c !== null) : [],
    asns: setOf(m.asns),
    extraCountries: setOf(m.extraCountries),
    allow: m.allowCountries.length ? new Set(m.allowCountries) : null,
    deny: setOf(m.denyCountries),
    region: m.region ?? ctx.regionOfCountry(m.country),
    confine: tierIndex(confinementOf(m)),
    lagging: isLagging(m, ctx.policy.health.maxLagSeconds),
    unit: m.lat !== undefined && m.lon !== undefined ? unitVector(m.lat, m.lon) : undefined,
  };
}

/** A table of mirrors compiled in `ctx`: a new tier key, so it gets its own tier index. */
export function tableOf(generation: string, ctx: CompileContext, mirrors: CompiledMirror[]): CompiledTable {
  const policy = ctx.policy;
  return {
    generation,
    policy,
    mirrors,
    byId: new Map(mirrors.map((c) => [c.mirror.id, c])),
    isOriginPath: compilePathGlobs(policy.originPatterns),
    lagMatters: policy.health.lagScope === "all" ? () => true : compilePathGlobs(policy.health.mutablePatterns),
    isStagedPath: compilePathGlobs(policy.release.staged),
    regionOfCountry: ctx.regionOfCountry,
    tierKey: {},
  };
}

export function compileTable(table: MirrorTable): CompiledTable {
  const ctx = compileContext(table.policy);
  return tableOf(
    table.generation,
    ctx,
    table.mirrors.map((m) => compileMirror(m, ctx)),
  );
}

const isLagging = (m: Mirror, maxLag: number | null) => maxLag !== null && m.lagSeconds !== undefined && m.lagSeconds > maxLag;

/** A table's last health overlay and what it was made from: its mirrors are reused where neither changed. */
export interface AppliedHealth {
  doc: HealthDoc;
  base: CompiledTable;
  table: CompiledTable;
}

/**
 * The table with a health document applied, by the rule of `applyHealth`: what
 * `compileTable(applyHealth(t, doc))` gives, but reusing every compiled part probes do not touch, so
 * a new probe round costs the edge a pass over the mirrors, not a new parse of the table. Given the
 * previous overlay, a mirror compiled to the same object whose verdicts are unchanged keeps its
 * overlaid object: most mirrors after a probe round, and after a push that changed a few.
 */
export function withHealth(base: CompiledTable, doc: HealthDoc | null, nowSeconds = Math.floor(Date.now() / 1000), previous?: AppliedHealth): CompiledTable {
  if (!doc || isStale(doc, base.policy.health.verdictMaxAgeSeconds, nowSeconds)) return base;
  const maxLag = base.policy.health.maxLagSeconds;
  const reuse = previous && previous.table !== previous.base && previous.base.policy.health.maxLagSeconds === maxLag ? previous : undefined;
  const mirrors = base.mirrors.map((cm): CompiledMirror => {
    const id = cm.mirror.id;
    const h = doc.mirrors[id];
    if (!h) return cm;
    if (reuse && reuse.base.byId.get(id) === cm && sameVerdicts(h, reuse.doc.mirrors[id])) return reuse.table.byId.get(id)!;
    const mirror = mirrorWithHealth(cm.mirror, h);
    return { ...cm, mirror, lagging: isLagging(mirror, maxLag) };
  });
  return { ...base, mirrors, byId: new Map(mirrors.map((c) => [c.mirror.id, c])) };
}

const sameVerdicts = (a: MirrorHealthEntry, b: MirrorHealthEntry | undefined): boolean =>
  b !== undefined && a.up.http === b.up.http && a.up.https === b.up.https && a.lag === b.lag && a.ipv4 === b.ipv4 && a.ipv6 === b.ipv6;
