/**
 * What one request counts as (docs/statistics.md): pure, from the request and the decision, so the
 * route only hands the event to a sink after the response has gone out.
 */

import { networkOf } from "../core/ip.js";
import type { Policy } from "../core/policy.js";
import { declaredRepositoryOf } from "../core/repository.js";
import type { Client } from "../selection/client.js";

/**
 * `download`: a GET redirected to a mirror or the origin. `resume`: a GET whose Range starts past
 * the first byte, the rest of a download already counted. `repeat`: a full download of the same
 * file from the same client network within the repeat window. The documents are counted apart.
 */
export const COUNT_KINDS = ["download", "resume", "repeat", "metalink", "checksum", "mirrorlist"] as const;
export type CountKind = (typeof COUNT_KINDS)[number];

/** The unit every path the index does not know is counted under: random paths must not fill the store. */
export const UNKNOWN_UNIT = "(unknown paths)";
/** The mirror id the origin is counted under. */
export const ORIGIN_ID = 0;

export interface CountEvent {
  /** Unix seconds. */
  at: number;
  kind: CountKind;
  /** The file's path, or the declared repository's root for a file inside one. */
  unit: string;
  /** The mirror the client was sent to (the first listed, for documents); ORIGIN_ID for the origin. */
  mirrorId: number;
  /** The tier that won, or why the origin was chosen. */
  tier: string;
  /** The client's country as the platform says, "XX" when unknown. */
  country: string;
  /** Bytes the client was sent for: the file's size, the rest of it for a resume, 0 for documents. */
  bytes: number;
  /** The client network and the requested path, only to recognise repeats: never stored. */
  network: string;
  path: string;
}

export interface CountInput {
  method: string;
  rangeHeader: string | null;
  path: string;
  /** The file's size, when the index knows the file. */
  size: number | null;
  mirrorId: number;
  tier: string;
  /** The platform's view of the client, not an override's: ?country= must not move the statistics. */
  client: Client;
  policy: Policy;
  now: number;
  /** A document about the file rather than the file. */
  document?: "metalink" | "checksum" | "mirrorlist";
  /** The path is not in the index (sent to the origin as an unknown path). */
  unknown?: boolean;
}

/** The first byte a Range header asks for; 0 without one; null for a suffix range (`bytes=-500`). */
export function rangeStart(header: string | null): number | null {
  if (!header) return 0;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-/i.exec(header);
  if (!m) return 0;
  return m[1] === "" ? null : Number(m[1]);
}

/** The event a request counts as, or null when it counts as nothing (HEAD, counting off). */
export function countEventOf(i: CountInput): CountEvent | null {
  if (!i.policy.stats.enabled || i.method !== "GET") return null;
  const repo = i.unknown ? undefined : declaredRepositoryOf(i.path, i.policy.repositories);
  const start = i.document ? 0 : rangeStart(i.rangeHeader);
  const size = i.size ?? 0;
  const kind: CountKind = i.document ?? (start === 0 ? "download" : "resume");
  const bytes = i.document ? 0 : start === null ? 0 : Math.max(0, size - start);
  const s = i.policy.stickiness;
  const c = i.client;
  return {
    at: i.now,
    kind,
    unit: i.unknown ? UNKNOWN_UNIT : repo ? repo.root || "/" : i.path,
    mirrorId: i.mirrorId,
    tier: i.tier,
    country: c.country && /^[A-Z]{2}$/.test(c.country) ? c.country : "XX",
    bytes,
    network: c.ip ? networkOf(c.ip, c.ip.family === 4 ? s.ipv4Bits : s.ipv6Bits) : `as${c.asn ?? "?"}`,
    path: i.path,
  };
}

/** The UTC day an event is counted on, as the store keys it. */
export function dayOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}
