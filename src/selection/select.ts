/**
 * The selection policy as one pure function: the same inputs always give the same decision,
 * so the Worker, the explain endpoint, `mirrorhop explain` and the tests all share it.
 */

import { fnv1a32 } from "../core/hash.js";
import { networkOf } from "../core/ip.js";
import { type Mirror, type Scheme, type Tier, TIERS } from "../core/mirror.js";
import type { FileRecord } from "../core/file-record.js";
import { joinUrl, repositoryOf } from "../core/path.js";
import type { SelectionRequest } from "./client.js";
import type { CompiledTable } from "./compiled-table.js";
import { exclusionReason, urlSchemeFor } from "./filters.js";
import { effectiveWeight, rendezvousScore } from "./rank.js";
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

export type OriginReason = "small-file" | "origin-pattern" | "no-mirror";

export interface Decision {
  /** The mirror a plain download goes to; null means the origin. */
  winner: RankedMirror | null;
  originReason?: OriginReason;
  /** Every candidate, best first: by tier, then by score. */
  ranked: RankedMirror[];
  excluded: ExcludedMirror[];
  stickinessKey: string;
}

export interface SelectOptions {
  /** Also list mirrors that do not hold the file (explain view); the hot path skips them. */
  listNonHolders?: boolean;
}

export function stickinessKey(table: CompiledTable, req: SelectionRequest): string {
  const s = table.policy.stickiness;
  const c = req.client;
  const network = c.ip
    ? networkOf(c.ip, c.ip.family === 4 ? s.ipv4Bits : s.ipv6Bits)
    : `as${c.asn ?? "?"}:${c.country ?? "?"}`;
  const key = `${network}|${repositoryOf(req.path, s.repoDepth)}`;
  return req.salt ? `${key}|${req.salt}` : key;
}

export function selectMirror(table: CompiledTable, file: FileRecord, req: SelectionRequest, opts: SelectOptions = {}): Decision {
  const key = stickinessKey(table, req);
  const keyHash = fnv1a32(key);
  const clientRegion = clientRegionOf(table, req.client);
  const ranked: RankedMirror[] = [];
  const excluded: ExcludedMirror[] = [];

  for (const id of file.mirrors) {
    const cm = table.byId.get(id);
    // A record naming a mirror the table no longer has: the mirror was removed, so it gets nothing.
    if (!cm) continue;
    const reason = exclusionReason(cm, file, req);
    const tier = tierOf(cm, req.client, clientRegion);
    if (reason) {
      excluded.push({ mirror: cm.mirror, reason, tier });
      continue;
    }
    if (TIERS.indexOf(tier) > cm.confine) {
      excluded.push({ mirror: cm.mirror, reason: `confined to the ${TIERS[cm.confine]} tier; client is in its ${tier} tier`, tier });
      continue;
    }
    const scheme = urlSchemeFor(cm, req.scheme)!;
    const w = effectiveWeight(cm, tier, req.client, table.policy.distanceHalfKm);
    ranked.push({
      mirror: cm.mirror,
      tier,
      scheme,
      url: joinUrl(cm.mirror.urls[scheme]!, req.path),
      weight: w.weight,
      score: rendezvousScore(keyHash, cm.mirror.id, w.weight),
      ...(w.distanceKm !== undefined ? { distanceKm: w.distanceKm } : {}),
    });
  }

  if (opts.listNonHolders) {
    const holders = new Set(file.mirrors);
    for (const cm of table.mirrors) {
      if (!holders.has(cm.mirror.id)) excluded.push({ mirror: cm.mirror, reason: "does not hold the current version of the file" });
    }
  }

  ranked.sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier) || b.score - a.score || a.mirror.id - b.mirror.id);

  const originReason: OriginReason | undefined =
    file.size < table.policy.minSize
      ? "small-file"
      : table.isOriginPath(req.path)
        ? "origin-pattern"
        : ranked.length === 0
          ? "no-mirror"
          : undefined;
  return {
    winner: originReason ? null : ranked[0]!,
    ...(originReason ? { originReason } : {}),
    ranked,
    excluded,
    stickinessKey: key,
  };
}
