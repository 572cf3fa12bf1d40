/** `mirrorhop explain`: the Worker's selection, run offline on the index the next push would write. */

import { parseIp } from "../../src/core/ip.js";
import { canonicalisePath } from "../../src/core/path.js";
import { clientFromRequest } from "../../src/http/client-info.js";
import { compileTable } from "../../src/selection/compiled-table.js";
import { selectMirror } from "../../src/selection/select.js";
import type { Config } from "../config/schema.js";
import { buildIndex } from "../push/index-build.js";
import type { StateDb } from "../state/db.js";

/** A client option explain cannot use: said with the option and the value, before anything runs. */
export class ExplainInputError extends Error {}

const CHECKS: Record<string, [RegExp | ((v: string) => boolean), string]> = {
  country: [/^[A-Za-z]{2}$/, "a two-letter ISO 3166 code"],
  continent: [/^(AF|AN|AS|EU|NA|OC|SA)$/i, "one of AF AN AS EU NA OC SA"],
  asn: [/^(AS)?[0-9]{1,10}$/i, "an AS number"],
  ip: [(v) => parseIp(v) !== null, "an IPv4 or IPv6 address"],
  lat: [(v) => /^-?[0-9]+(\.[0-9]+)?$/.test(v) && Math.abs(Number(v)) <= 90, "a latitude from -90 to 90"],
  lon: [(v) => /^-?[0-9]+(\.[0-9]+)?$/.test(v) && Math.abs(Number(v)) <= 180, "a longitude from -180 to 180"],
  scheme: [/^https?$/, "http or https"],
  avoid: [/^[A-Za-z]{2}(,[A-Za-z]{2})*$/, "country codes separated by commas"],
};

export function validateExplainOptions(o: Record<string, string | undefined>): void {
  for (const [k, [check, what]] of Object.entries(CHECKS)) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof check === "function" ? !check(v) : !check.test(v)) throw new ExplainInputError(`--${k} ${JSON.stringify(v)}: expected ${what}`);
  }
}

export function explainOffline(db: StateDb, config: Config, rawPath: string, o: Record<string, string | undefined>) {
  validateExplainOptions(o);
  const canon = canonicalisePath(rawPath.startsWith("/") ? rawPath : "/" + rawPath);
  if (!canon.ok) throw new ExplainInputError(`bad path ${JSON.stringify(rawPath)}: ${canon.reason}`);
  const index = buildIndex(db, config);
  const file = index.files.find((f) => f.path === canon.path);
  if (!file) return { path: canon.path, error: "not in the origin index (scan origin first?)" };
  // The same client parsing as the Worker's debug headers, so both explain the same way.
  const headers = new Headers();
  for (const k of ["country", "continent", "asn", "ip", "lat", "lon"]) if (o[k]) headers.set(`x-debug-${k}`, o[k]!);
  const client = clientFromRequest(() => undefined, headers, true);
  const table = compileTable({ ...index.table, generation: "offline" });
  const d = selectMirror(
    table,
    file.record,
    {
      path: canon.path,
      now: Math.floor(Date.now() / 1000),
      scheme: o.scheme === "http" ? "http" : "https",
      client,
      avoid: (o.avoid ?? "")
        .split(",")
        .filter(Boolean)
        .map((s) => s.toUpperCase()),
    },
    { listNonHolders: true },
  );
  return {
    path: canon.path,
    client: { ...client, ip: client.ipText, ipText: undefined },
    target: d.winner ? "mirror" : "origin",
    ...(d.originReason ? { reason: d.originReason } : {}),
    location: d.winner?.url ?? config.origin.url + canon.path,
    candidates: d.ranked.map((r, i) => ({ rank: i + 1, name: r.mirror.name, tier: r.tier, url: r.url, weight: r.weight, score: r.score })),
    excluded: d.excluded.map((e) => ({ name: e.mirror.name, reason: e.reason })),
  };
}
