/**
 * Property: over random mirror networks, files and clients, a redirect only ever goes to a mirror
 * that holds the current version and passes every filter, and a Location is always a mirror base
 * URL from the table joined with the path. The oracle below restates the policy independently of
 * src/selection so that a bug there cannot hide behind itself.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrContains, parseCidr, parseIp } from "../../src/core/ip.js";
import { joinUrl } from "../../src/core/path.js";
import type { Mirror, Scheme } from "../../src/core/mirror.js";
import type { FileRecord } from "../../src/core/file-record.js";
import { avoidArb, clientArb, fileArb, mirrorsArb, pathArb } from "../helpers/arbitraries.js";
import { type ClientSpec, decide } from "../helpers/select-helpers.js";

const ORDER = ["prefix", "asn", "country", "extra-country", "region", "world"];

function oracleTier(m: Mirror, c: ClientSpec): number {
  const ip = c.ip ? parseIp(c.ip) : null;
  if (ip && m.prefixes.some((p) => cidrContains(parseCidr(p)!, ip))) return 0;
  if (c.asn !== undefined && m.asns.includes(c.asn)) return 1;
  if (c.country && m.country === c.country) return 2;
  if (c.country && m.extraCountries.includes(c.country)) return 3;
  if (c.continent && c.continent === m.continent) return 4;
  return 5;
}

function oracleQualifies(m: Mirror, f: FileRecord, c: ClientSpec, scheme: Scheme, avoid: string[]): boolean {
  const ip = c.ip ? parseIp(c.ip) : null;
  const widest = m.prefixOnly ? 0 : m.asnOnly ? 1 : m.countryOnly ? 3 : m.regionOnly ? 4 : 5;
  const usable = (s: Scheme) => m.urls[s] !== undefined && m.up[s] !== false;
  const schemeOk = scheme === "https" ? usable("https") : usable("http") || usable("https");
  return (
    f.mirrors.includes(m.id) &&
    m.enabled &&
    m.weight > 0 &&
    schemeOk &&
    (ip?.family !== 6 || m.ipv6) &&
    (ip?.family !== 4 || m.ipv4) &&
    (m.allowCountries.length === 0 || (c.country !== undefined && m.allowCountries.includes(c.country))) &&
    !(c.country && m.denyCountries.includes(c.country)) &&
    (m.maxFileSize === undefined || f.size <= m.maxFileSize) &&
    !avoid.includes(m.country) &&
    oracleTier(m, c) <= widest
  );
}

describe("selection properties", () => {
  it("the winner holds the current version, passes every filter, and is in the best tier", () => {
    fc.assert(
      fc.property(
        mirrorsArb.chain((ms) => fc.tuple(fc.constant(ms), fileArb(ms.length * 3), clientArb, fc.constantFrom<Scheme>("http", "https"), avoidArb, pathArb)),
        ([mirrors, f, c, scheme, avoid, path]) => {
          const d = decide(mirrors, f, c, { scheme, avoid, path });
          const qualifying = mirrors.filter((m) => oracleQualifies(m, f, c, scheme, avoid));
          // Exactly the qualifying mirrors are ranked; everything else is excluded with a reason.
          expect(d.ranked.map((r) => r.mirror.id).sort()).toEqual(qualifying.map((m) => m.id).sort());
          expect(d.ranked.length + d.excluded.length).toBe(mirrors.length);
          for (const e of d.excluded) expect(e.reason.length).toBeGreaterThan(0);
          for (const r of d.ranked) {
            expect(ORDER.indexOf(r.tier)).toBe(oracleTier(r.mirror, c));
            const base = r.mirror.urls[r.scheme];
            expect(r.url).toBe(joinUrl(base!, path));
            if (scheme === "https") expect(r.scheme).toBe("https");
          }
          if (d.winner) {
            const best = Math.min(...qualifying.map((m) => oracleTier(m, c)));
            expect(ORDER.indexOf(d.winner.tier)).toBe(best);
            expect(f.size).toBeGreaterThanOrEqual(4096);
          } else {
            expect(["small-file", "origin-pattern", "no-mirror"]).toContain(d.originReason);
            if (d.originReason === "no-mirror") expect(qualifying).toHaveLength(0);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("the same inputs always give the same decision", () => {
    fc.assert(
      fc.property(
        mirrorsArb.chain((ms) => fc.tuple(fc.constant(ms), fileArb(ms.length * 3), clientArb)),
        ([mirrors, f, c]) => {
          const a = decide(mirrors, f, c);
          const b = decide([...mirrors].reverse(), f, c);
          expect(b.winner?.mirror.id).toBe(a.winner?.mirror.id);
          expect(b.ranked.map((r) => r.mirror.id)).toEqual(a.ranked.map((r) => r.mirror.id));
        },
      ),
      { numRuns: 300 },
    );
  });
});
