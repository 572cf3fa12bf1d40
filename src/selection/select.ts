/**
 * The selection policy as one pure function: the same inputs always give the same decision,
 * so the Worker, the explain endpoint, `mirrorhop explain` and the tests all share it.
 */

import { fnv1a32 } from "../core/hash.js";
import { distanceKmAtLeast, type UnitVector } from "../core/geo.js";
import { networkOf } from "../core/ip.js";
import { type Mirror, type Scheme, type Tier, TIERS } from "../core/mirror.js";
import type { FileRecord } from "../core/file-record.js";
import { encodePathForUrl, repositoryOf } from "../core/path.js";
import { declaredRepositoryOf } from "../core/repository.js";
import type { SelectionRequest } from "./client.js";
import type { CompiledMirror, CompiledTable } from "./compiled-table.js";
import { exclusionReason, urlSchemeFor } from "./filters.js";
import { effectiveWeight, rendezvousDivisor, rendezvousDivisorBelow, rendezvousDraw } from "./rank.js";
import { considerEvery, considerNearFirst } from "./candidates.js";
import { beats, better, type Scored, TIER_INDEX, unitOf } from "./scored.js";
import { clientRegionOf, tierOf } from "./tiers.js";

export interface RankedMirror {
  mirror: Mirror;
  tier: Tier;
  url: string;
  scheme: Scheme;
  weight: number;
  score: number;
  distanceKm?: number;
}

export interface ExcludedMirror {
  mirror: Mirror;
  reason: string;
  tier?: Tier;
}

export type OriginReason = "small-file" | "origin-pattern" | "repository-metadata" | "release-gate" | "no-mirror";

/** Reasons under which a Metalink or mirror list names the origin alone, whatever mirrors hold the file. */
export const ORIGIN_ONLY_REASONS: ReadonlySet<OriginReason> = new Set(["origin-pattern", "repository-metadata", "release-gate"]);

export interface Decision {
  /** The mirror a plain download goes to; null means the origin. */
  winner: RankedMirror | null;
  originReason?: OriginReason;
  /** Every candidate, best first: by tier, then by score; the best `limit` of them when a limit is set. */
  ranked: RankedMirror[];
  /**
   * Holders left out and why: all of them without a limit (explain), only those weighed with one
   * (a mirror that could not have ranked is never filtered).
   */
  excluded: ExcludedMirror[];
  stickinessKey: string;
  /** Enabled mirrors that hold the current version: what release gating counts. */
  holders: number;
  /** Set when the path is staged and not enough mirrors hold it yet: the file is not served at all. */
  staged?: { needed: number };
}

export interface SelectOptions {
  /** Also list mirrors that do not hold the file (explain view); the hot path skips them. */
  listNonHolders?: boolean;
  /** Rank only the best `limit` candidates (the redirect needs maxLinks); all when absent. */
  limit?: number;
}

export function stickinessKey(table: CompiledTable, req: SelectionRequest): string {
  const s = table.policy.stickiness;
  const c = req.client;
  const network = c.ip ? networkOf(c.ip, c.ip.family === 4 ? s.ipv4Bits : s.ipv6Bits) : `as${c.asn ?? "?"}:${c.country ?? "?"}`;
  // A declared repository is one unit for stickiness too: its root file, indexes and packages
  // come from one mirror per client network while that mirror qualifies.
  const repo = declaredRepositoryOf(req.path, table.policy.repositories);
  const key = `${network}|${repo ? `repo:${repo.root}` : repositoryOf(req.path, s.repoDepth)}`;
  return req.salt ? `${key}|${req.salt}` : key;
}

export function selectMirror(table: CompiledTable, file: FileRecord, req: SelectionRequest, opts: SelectOptions = {}): Decision {
  const key = stickinessKey(table, req);
  const keyHash = fnv1a32(key);
  const clientRegion = clientRegionOf(table, req.client);
  const platformRegion = req.platform ? clientRegionOf(table, req.platform) : undefined;
  const limit = opts.limit ?? Infinity;
  // The best `limit` candidates, kept sorted by insertion: K is small (5), so this beats sorting all n.
  const top: Scored[] = [];
  const excluded: ExcludedMirror[] = [];

  const halfKm = table.policy.distanceHalfKm;
  let clientUnit: UnitVector | null | undefined;
  /** Weighs one holder in tier `t` and keeps it if it is among the best `limit` so far. */
  const consider = (cm: CompiledMirror, t: number): void => {
    const last = top.length >= limit ? top[top.length - 1]! : undefined;
    if (last && t > last.tier) return;
    const id = cm.mirror.id;
    const u = rendezvousDraw(keyHash, id);
    // Bounds before the work: distance only lowers a weight, and -ln(u) >= 1 - u, so a mirror whose
    // configured weight over 1 - u cannot beat the last one kept is done before the logarithm,
    // the filters and the distance.
    if (last && !beats(t, cm.mirror.weight / rendezvousDivisorBelow(u), id, last)) return;
    let cap = cm.mirror.weight;
    if (last && t >= TIER_INDEX.region && halfKm > 0 && cm.unit) {
      if (clientUnit === undefined) clientUnit = unitOf(req.client);
      if (clientUnit) cap = cm.mirror.weight / (1 + distanceKmAtLeast(cm.unit, clientUnit) / halfKm);
      if (!beats(t, cap / rendezvousDivisorBelow(u), id, last)) return;
    }
    const divisor = rendezvousDivisor(u);
    if (last && !beats(t, cap / divisor, id, last)) return;
    const tier = TIERS[t]!;
    const reason = exclusionReason(table, cm, file, req);
    if (reason) {
      excluded.push({ mirror: cm.mirror, reason, tier });
      return;
    }
    // Confinement is judged where the platform places the client, whatever ?country= says.
    const confTier = req.platform && cm.confine < TIER_INDEX.world ? tierOf(cm, req.platform, platformRegion) : tier;
    if (TIER_INDEX[confTier] > cm.confine) {
      excluded.push({
        mirror: cm.mirror,
        reason: `${CONFINEMENT_FLAG[TIERS[cm.confine]!]}: client is in its ${confTier} tier${req.platform ? " (as the platform locates it)" : ""}`,
        tier,
      });
      return;
    }
    const w = effectiveWeight(cm, tier, req.client, table.policy.distanceHalfKm);
    const entry: Scored = { cm, tier: t, score: w.weight / divisor, weight: w.weight, distanceKm: w.distanceKm };
    if (last && better(entry, last) >= 0) return;
    let i = top.length;
    while (i > 0 && better(entry, top[i - 1]!) < 0) i--;
    top.splice(i, 0, entry);
    if (top.length > limit) top.pop();
  };

  const holders =
    limit !== Infinity && !opts.listNonHolders && limit > 0
      ? considerNearFirst(table, file, req.client, clientRegion, keyHash, limit, top, consider)
      : considerEvery(table, file, req.client, clientRegion, consider);

  if (opts.listNonHolders) {
    const holding = new Set(file.mirrors);
    for (const cm of table.mirrors) {
      if (!holding.has(cm.mirror.id)) excluded.push({ mirror: cm.mirror, reason: "does not hold the current version of the file" });
    }
  }

  // URLs only for what is returned: percent-encoding the path once, not once per candidate.
  const encodedPath = encodePathForUrl(req.path);
  const ranked = top.map((e): RankedMirror => {
    const scheme = urlSchemeFor(e.cm, req.scheme)!;
    return {
      mirror: e.cm.mirror,
      tier: TIERS[e.tier]!,
      scheme,
      url: e.cm.mirror.urls[scheme]! + encodedPath,
      weight: e.weight,
      score: e.score,
      ...(e.distanceKm !== undefined ? { distanceKm: e.distanceKm } : {}),
    };
  });

  const gate = table.policy.release;
  const short = gate.minMirrors > 0 && holders < gate.minMirrors;
  const staged = short && table.isStagedPath(req.path);
  // A declared repository's metadata is judged by its record alone: its mirror set is already the
  // repository's consistent set, and size or name rules must not split InRelease from its indexes.
  const repoMeta = file.repoMeta;
  const originReason: OriginReason | undefined =
    repoMeta === "origin"
      ? "repository-metadata"
      : repoMeta === undefined && table.isOriginPath(req.path)
        ? "origin-pattern"
        : repoMeta === undefined && file.size < table.policy.minSize
          ? "small-file"
          : short && req.now - file.changed < gate.minAgeSeconds
            ? "release-gate"
            : ranked.length === 0
              ? "no-mirror"
              : undefined;
  return {
    winner: originReason || staged ? null : ranked[0]!,
    ...(originReason ? { originReason } : {}),
    ranked,
    excluded,
    stickinessKey: key,
    holders,
    ...(staged ? { staged: { needed: gate.minMirrors } } : {}),
  };
}

/** The config flag behind each confinement, as an operator wrote it. */
const CONFINEMENT_FLAG: Partial<Record<Tier, string>> = {
  prefix: "prefix_only",
  asn: "asn_only",
  "extra-country": "country_only (its country and extra_countries)",
  region: "region_only",
};
