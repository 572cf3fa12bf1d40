/**
 * Who is asking, from the platform: request.cf (country, continent, asn, latitude/longitude as
 * strings) and CF-Connecting-IP. With debug headers enabled (local development and tests only),
 * x-debug-* headers stand in for each of them.
 */

import { continentOf, isCountryCode } from "../core/geo.js";
import { parseIp } from "../core/ip.js";
import type { Client } from "../selection/client.js";

export interface PlatformGeo {
  country?: unknown;
  continent?: unknown;
  asn?: unknown;
  latitude?: unknown;
  longitude?: unknown;
}

const GEO_DEBUG_HEADERS = ["x-debug-country", "x-debug-continent", "x-debug-asn", "x-debug-lat", "x-debug-lon"];

/** `cf` is a getter: workerd builds request.cf from the platform's serialized blob on access, which costs when debug headers make it moot. */
export function clientFromRequest(cf: () => PlatformGeo | undefined, headers: Headers, debug: boolean): Client {
  // Debug geo replaces the platform's as a whole: a client played as "BR" must not keep the
  // continent and coordinates of wherever the developer's machine is.
  const debugGeo = debug && GEO_DEBUG_HEADERS.some((h) => headers.has(h));
  const geo: PlatformGeo | undefined = debugGeo ? undefined : cf();
  const pick = (debugName: string, platform: unknown): string | undefined => {
    const d = debug ? headers.get(`x-debug-${debugName}`) : null;
    if (d !== null && d !== "") return d;
    return platform === undefined || platform === null || platform === "" ? undefined : String(platform);
  };
  const client: Client = {};
  const ipText = pick("ip", headers.get("cf-connecting-ip") ?? undefined);
  const ip = ipText ? parseIp(ipText) : null;
  if (ip) {
    client.ip = ip;
    client.ipText = ipText!;
  }
  const country = pick("country", geo?.country)?.toUpperCase();
  // "XX" (unknown) and "T1" (Tor) are not places: such a client is served from the world tier.
  if (country && isCountryCode(country) && country !== "XX" && country !== "T1") client.country = country;
  const continent = pick("continent", geo?.continent)?.toUpperCase() ?? continentOf(client.country);
  if (continent && /^(AF|AN|AS|EU|NA|OC|SA)$/.test(continent)) client.continent = continent;
  const asn = Number(pick("asn", geo?.asn));
  if (Number.isInteger(asn) && asn > 0 && asn <= 0xffffffff) client.asn = asn;
  const latText = pick("lat", geo?.latitude);
  const lonText = pick("lon", geo?.longitude);
  const lat = Number(latText);
  const lon = Number(lonText);
  if (latText !== undefined && lonText !== undefined && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
    client.lat = lat;
    client.lon = lon;
  }
  return client;
}
