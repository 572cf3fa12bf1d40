import { cidrContains } from "../core/ip.js";
import type { Tier } from "../core/mirror.js";
import type { Client } from "./client.js";
import type { CompiledMirror, CompiledTable } from "./compiled-table.js";

/** The most specific tier in which this mirror is near the client. */
export function tierOf(cm: CompiledMirror, client: Client, clientRegion: string | undefined): Tier {
  const ip = client.locatedByOverride ? undefined : client.ip;
  if (ip) for (const c of cm.cidrs) if (cidrContains(c, ip)) return "prefix";
  if (client.asn !== undefined && cm.asns.has(client.asn)) return "asn";
  if (client.country && client.country === cm.mirror.country) return "country";
  if (client.country && cm.extraCountries.has(client.country)) return "extra-country";
  if (sameRegion(cm, client, clientRegion)) return "region";
  return "world";
}

/** Operator regions win where both sides have one; otherwise continents decide. */
function sameRegion(cm: CompiledMirror, client: Client, clientRegion: string | undefined): boolean {
  if (cm.region !== undefined && clientRegion !== undefined) return cm.region === clientRegion;
  return client.continent !== undefined && client.continent === cm.mirror.continent;
}

export function clientRegionOf(table: CompiledTable, client: Client): string | undefined {
  return table.regionOfCountry(client.country);
}
