import type { Scheme } from "../core/mirror.js";
import type { FileRecord } from "../core/file-record.js";
import type { SelectionRequest } from "./client.js";
import type { CompiledMirror, CompiledTable } from "./compiled-table.js";

/**
 * Why a mirror that holds the file cannot take this request, or null if it can.
 * The order is the order an operator debugs in: configuration first, then health, then the client.
 */
export function exclusionReason(table: CompiledTable, cm: CompiledMirror, file: FileRecord, req: SelectionRequest): string | null {
  const m = cm.mirror;
  if (!m.enabled) return "disabled";
  if (!(m.weight > 0)) return "weight is 0";
  const scheme = urlSchemeFor(cm, req.scheme);
  if (!scheme) return req.scheme === "https" ? "no https URL (never downgrade https to http)" : "no http or https URL";
  if (m.up[scheme] === false) return `down for ${scheme}`;
  if (cm.lagging && table.lagMatters(req.path)) return `${m.lagSeconds} s behind the origin (max_lag_seconds ${table.policy.health.maxLagSeconds})`;
  const family = req.client.ip?.family;
  if (family === 6 && !m.ipv6) return "not reachable over IPv6";
  if (family === 4 && !m.ipv4) return "not reachable over IPv4";
  // The platform's country, not one a ?country= override named: overrides rank, never permit.
  const cc = (req.platform ?? req.client).country;
  if (cm.allow && (!cc || !cm.allow.has(cc))) return `client country ${cc ?? "unknown"} not in the mirror's allow list`;
  if (cc && cm.deny.has(cc)) return `client country ${cc} is in the mirror's deny list`;
  if (m.maxFileSize !== undefined && file.size > m.maxFileSize) return `file size ${file.size} exceeds max_file_size ${m.maxFileSize}`;
  if (req.avoid.includes(m.country)) return `client asked to avoid ${m.country}`;
  return null;
}

/** The scheme of the URL we would send: the request's own, or an upgrade from http to https. Never a downgrade. */
export function urlSchemeFor(cm: CompiledMirror, requested: Scheme): Scheme | null {
  const urls = cm.mirror.urls;
  if (requested === "https") return urls.https ? "https" : null;
  if (urls.http && cm.mirror.up.http !== false) return "http";
  if (urls.https && cm.mirror.up.https !== false) return "https";
  return urls.http ? "http" : urls.https ? "https" : null;
}
