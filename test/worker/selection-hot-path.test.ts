/**
 * The hot path (a redirect's best `limit` mirrors, near tiers looked up in the tier index, the
 * world tier weighed only when needed, scores bounded before distance) against weighing every
 * holder: over random networks, regions, clients, overrides and limits, the same mirrors in the
 * same order with the same scores, the same winner, holder count and origin reason.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FileRecord } from "../../src/core/file-record.js";
import { type Mirror, mirrorWithDefaults, type Scheme } from "../../src/core/mirror.js";
import type { SelectionRequest } from "../../src/selection/client.js";
import { compileTable } from "../../src/selection/compiled-table.js";
import { type Decision, selectMirror } from "../../src/selection/select.js";
import { avoidArb, clientArb, fileArb, mirrorsArb, pathArb } from "../helpers/arbitraries.js";
import { file, table } from "../helpers/fixtures.js";
import { client } from "../helpers/select-helpers.js";

/**
 * Most mirrors of the shared arbitrary are filtered out for one reason or another, which leaves
 * little to rank: here most are made plain (enabled, up, both families and schemes, no lists), so
 * tiers hold several candidates and the limit, the index and the score bound all matter.
 */
const plain = ({ maxFileSize: _, ...m }: Mirror): Mirror => ({
  ...m,
  enabled: true,
  up: {},
  ipv4: true,
  ipv6: true,
  allowCountries: [],
  denyCountries: [],
  countryOnly: false,
  regionOnly: false,
  asnOnly: false,
  prefixOnly: false,
  weight: m.weight || 100,
  urls: { http: `http://${m.name}.test/pub/`, https: `https://${m.name}.test/pub/` },
});
/** Up to ~100 mirrors (the shared arbitrary's lists are short), ids spread out as a real table's are. */
const networkArb = fc
  .tuple(fc.array(mirrorsArb, { minLength: 1, maxLength: 5 }), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 120, maxLength: 120 }))
  .map(([groups, dice]) => groups.flat().map((m, i) => ({ ...(dice[i % 120]! < 8 ? plain(m) : m), id: i * 3 + 1, name: `m${i}` })));
/** A file most mirrors hold, and ids the table does not know. */
const heldArb = (ms: Mirror[]): fc.Arbitrary<FileRecord> =>
  fc
    .tuple(fileArb(0), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: ms.length, maxLength: ms.length }))
    .map(([f, dice]) => ({ ...f, mirrors: [...ms.filter((_, i) => dice[i]! < 8).map((m) => m.id), 1_000, 1_001] }));

const REGIONS = fc.constantFrom<Record<string, string[]>>({}, { dach: ["DE", "AT"], americas: ["US", "BR"] }, { west: ["FR", "DE", "US", "CA"] });
const ranked = (d: Decision) =>
  d.ranked.map((r) => ({ id: r.mirror.id, tier: r.tier, url: r.url, score: r.score, weight: r.weight, distanceKm: r.distanceKm }));

/**
 * A client with no mirror near it: every holder is in the world tier, where the hot path weighs
 * the best score bounds first and stops when no bound left out can rank. Mirrors spread over the
 * globe (bounds are loosest far away, where chord and arc differ most) and filtered often enough
 * that the best bounds do not always fill the limit.
 */
const PLACES = [
  ["DE", "EU"],
  ["US", "NA"],
  ["JP", "AS"],
  ["BR", "SA"],
] as const;
const farNetworkArb = fc
  .array(
    fc.record({
      weight: fc.integer({ min: 1, max: 200 }),
      lat: fc.double({ min: -89, max: 89, noNaN: true }),
      lon: fc.double({ min: -180, max: 180, noNaN: true }),
      odd: fc.integer({ min: 0, max: 19 }),
    }),
    { minLength: 1, maxLength: 300, size: "max" },
  )
  .map((specs) =>
    specs.map(({ weight, lat, lon, odd }, i): Mirror => {
      const [country, continent] = PLACES[i % PLACES.length]!;
      const m = mirrorWithDefaults({
        id: i * 2 + 1,
        name: `m${i}`,
        country,
        continent,
        weight,
        lat,
        lon,
        urls: { http: `http://m${i}.test/pub/`, https: `https://m${i}.test/pub/` },
      });
      // One in four is odd: excluded, or weighed without coordinates or distance.
      if (odd === 0) return { ...m, enabled: false };
      if (odd === 1) return { ...m, urls: { http: `http://m${i}.test/pub/` } };
      if (odd === 2) return { ...m, up: { https: false, http: false } };
      if (odd === 3) return { ...m, weight: 0 };
      if (odd === 4) {
        const { lat: _, lon: __, ...unplaced } = m;
        return unplaced;
      }
      return m;
    }),
  );
const farClientArb = fc.record({
  lat: fc.option(fc.double({ min: -89, max: 89, noNaN: true }), { nil: undefined }),
  lon: fc.double({ min: -180, max: 180, noNaN: true }),
  ip: fc.constantFrom("203.0.113.7", "2001:db8:ff::1"),
});

describe("the hot path decides as weighing every holder does", () => {
  it("same ranked prefix, winner, holders and origin reason for every limit", () => {
    const rankedSizes: number[] = [];
    fc.assert(
      fc.property(
        networkArb.chain((ms) =>
          fc.tuple(
            fc.constant(ms),
            heldArb(ms),
            clientArb,
            fc.option(clientArb, { nil: undefined }),
            fc.constantFrom<Scheme>("http", "https"),
            avoidArb,
            pathArb,
            fc.integer({ min: 1, max: 6 }),
            REGIONS,
            fc.constantFrom(0, 500, 3000),
          ),
        ),
        ([mirrors, f, c, platform, scheme, avoid, path, limit, regions, distanceHalfKm]) => {
          const t = compileTable(table(mirrors, { regions, distanceHalfKm }));
          // With an override (?country=), the platform's own view decides confinement and the IP no tier.
          const req: SelectionRequest = {
            path,
            now: 1_800_000_000,
            scheme,
            client: platform ? { ...client(c), locatedByOverride: true } : client(c),
            avoid,
            ...(platform ? { platform: client(platform) } : {}),
          };
          const every = selectMirror(t, f, req);
          rankedSizes.push(every.ranked.length);
          for (const l of [limit, 1]) {
            const hot = selectMirror(t, f, req, { limit: l });
            expect(ranked(hot)).toEqual(ranked(every).slice(0, l));
            expect(hot.winner?.mirror.id).toBe(every.winner?.mirror.id);
            expect([hot.holders, hot.originReason, hot.staged, hot.stickinessKey]).toEqual([
              every.holders,
              every.originReason,
              every.staged,
              every.stickinessKey,
            ]);
            // What the hot path did weigh and exclude, it excludes for the same reason.
            const reasons = new Map(every.excluded.map((e) => [e.mirror.id, e.reason]));
            for (const e of hot.excluded) expect(e.reason).toBe(reasons.get(e.mirror.id));
          }
        },
      ),
      { numRuns: 3000 },
    );
    // The property means something only if many decisions rank more mirrors than the limits asked.
    expect(rankedSizes.filter((n) => n > 6).length).toBeGreaterThan(300);
  });

  it("far clients: the world tier's best bounds first, the same ranked prefix and holders", () => {
    let pastTheBounds = 0;
    fc.assert(
      fc.property(
        farNetworkArb,
        farClientArb,
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom(0, 300, 2000, 10_000),
        fc.constantFrom<Scheme>("http", "https"),
        ([...mirrors], c, limit, distanceHalfKm, scheme) => {
          const t = compileTable(table(mirrors, { distanceHalfKm }));
          const f = { ...file(mirrors.map((m) => m.id).concat([5_000])), size: 50_000_000 };
          const req: SelectionRequest = {
            path: "releases/1.0/foo.iso",
            now: 1_800_000_000,
            scheme,
            client: client({ ip: c.ip, country: "ZA", continent: "AF", asn: 64999, ...(c.lat !== undefined ? { lat: c.lat, lon: c.lon } : {}) }),
            avoid: [],
          };
          const every = selectMirror(t, f, req);
          const hot = selectMirror(t, f, req, { limit });
          expect(ranked(hot)).toEqual(ranked(every).slice(0, limit));
          expect(hot.holders).toBe(every.holders);
          if (every.ranked.length > limit) pastTheBounds++;
        },
      ),
      { numRuns: 2000 },
    );
    expect(pastTheBounds).toBeGreaterThan(1000);
  });
});
