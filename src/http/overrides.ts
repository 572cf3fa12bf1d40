/**
 * Client overrides in the query string, as MirrorBrain users know them:
 *   ?country=cc    choose as if the client were in that country (drops ASN, prefix and coordinates)
 *   ?avoid=cc,cc   never pick mirrors in these countries
 *   ?newmirror     a fresh weighted draw instead of the sticky choice
 */

import { continentOf, isCountryCode } from "../core/geo.js";
import type { Client } from "../selection/client.js";

export interface Overrides {
  client: Client;
  avoid: string[];
  newMirror: boolean;
}

export type OverrideResult = { ok: true; value: Overrides } | { ok: false; reason: string };

const NONE: Overrides["avoid"] = [];

/** `search` is the URL's query string including '?', or "" (most downloads: nothing to parse). */
// Echoed values are JSON-quoted: a CR/LF or control character sent in a query comes back escaped, never raw.
export function applyOverrides(client: Client, search: string): OverrideResult {
  if (search === "") return { ok: true, value: { client, avoid: NONE, newMirror: false } };
  const query = new URLSearchParams(search);
  let result: Client = client;
  const country = query.get("country");
  if (country !== null) {
    const cc = country.toUpperCase();
    if (!isCountryCode(cc)) return { ok: false, reason: `?country must be a two-letter country code, got ${JSON.stringify(country.slice(0, 20))}` };
    const continent = continentOf(cc);
    result = {
      ...(client.ip ? { ip: client.ip, ipText: client.ipText! } : {}),
      country: cc,
      ...(continent ? { continent } : {}),
      locatedByOverride: true,
    };
  }
  const avoid: string[] = [];
  for (const part of (query.get("avoid") ?? "").split(",")) {
    if (part === "") continue;
    const cc = part.trim().toUpperCase();
    if (!isCountryCode(cc)) return { ok: false, reason: `?avoid must list two-letter country codes, got ${JSON.stringify(part.slice(0, 20))}` };
    avoid.push(cc);
  }
  return { ok: true, value: { client: result, avoid, newMirror: query.has("newmirror") } };
}
