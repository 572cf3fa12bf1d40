/** fast-check generators for random mirror networks, files and clients. */

import fc from "fast-check";
import type { FileRecord } from "../../src/core/file-record.js";
import { type Mirror, mirrorWithDefaults } from "../../src/core/mirror.js";
import type { ClientSpec } from "./select-helpers.js";

export const COUNTRIES: [string, string][] = [
  ["DE", "EU"],
  ["FR", "EU"],
  ["AT", "EU"],
  ["US", "NA"],
  ["CA", "NA"],
  ["BR", "SA"],
  ["JP", "AS"],
  ["AU", "OC"],
];
const country = fc.constantFrom(...COUNTRIES);
const countryCode = country.map(([c]) => c);
const asn = fc.constantFrom(3320, 64500, 13335, 7018);
const v4 = fc.tuple(fc.constantFrom(10, 192, 198), fc.nat(3), fc.nat(255), fc.nat(255)).map((p) => p.join("."));
const v6 = fc.tuple(fc.constantFrom("2001:db8", "2a01:4f8"), fc.nat(3), fc.nat(0xffff)).map(([p, a, b]) => `${p}:${a}::${b.toString(16)}`);
const prefix = fc.oneof(
  fc.tuple(fc.constantFrom(10, 192, 198), fc.nat(3), fc.constantFrom(8, 16, 24)).map(([a, b, bits]) => `${a}.${b}.0.0/${bits}`),
  fc.tuple(fc.constantFrom("2001:db8", "2a01:4f8"), fc.nat(3)).map(([p, a]) => `${p}:${a}::/48`),
);

export const mirrorsArb: fc.Arbitrary<Mirror[]> = fc
  .array(
    fc.record({
      place: country,
      http: fc.boolean(),
      https: fc.boolean(),
      asns: fc.uniqueArray(asn, { maxLength: 2 }),
      prefixes: fc.array(prefix, { maxLength: 2 }),
      weight: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 200 })),
      flag: fc.constantFrom(undefined, "countryOnly", "regionOnly", "asnOnly", "prefixOnly"),
      extra: fc.uniqueArray(countryCode, { maxLength: 2 }),
      allow: fc.uniqueArray(countryCode, { maxLength: 2 }),
      deny: fc.uniqueArray(countryCode, { maxLength: 2 }),
      ipv4: fc.boolean(),
      ipv6: fc.boolean(),
      maxFileSize: fc.option(fc.integer({ min: 0, max: 20_000_000 }), { nil: undefined }),
      enabled: fc.boolean(),
      upHttp: fc.option(fc.boolean(), { nil: undefined }),
      upHttps: fc.option(fc.boolean(), { nil: undefined }),
      lat: fc.option(fc.double({ min: -90, max: 90, noNaN: true }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 24 },
  )
  .map((specs) =>
    specs.map((s, i) => {
      const name = `m${i}`;
      const urls: Mirror["urls"] = {};
      if (s.http) urls.http = `http://${name}.test/pub/`;
      if (s.https) urls.https = `https://${name}.test/pub/`;
      const up: Mirror["up"] = {};
      if (s.upHttp !== undefined) up.http = s.upHttp;
      if (s.upHttps !== undefined) up.https = s.upHttps;
      return mirrorWithDefaults({
        id: i * 3 + 1,
        name,
        country: s.place[0],
        continent: s.place[1],
        urls,
        asns: s.asns,
        prefixes: s.prefixes,
        weight: s.weight,
        ...(s.flag ? { [s.flag]: true } : {}),
        extraCountries: s.extra,
        allowCountries: s.allow,
        denyCountries: s.deny,
        ipv4: s.ipv4,
        ipv6: s.ipv6,
        ...(s.maxFileSize !== undefined ? { maxFileSize: s.maxFileSize } : {}),
        enabled: s.enabled,
        up,
        ...(s.lat !== undefined ? { lat: s.lat, lon: 10 } : {}),
      });
    }),
  );

/** Networks with the fields mirrorsArb leaves at their defaults set too (regions "dach" and "nordics", lags). */
export const networkArb: fc.Arbitrary<Mirror[]> = mirrorsArb.chain((ms) =>
  fc
    .tuple(
      fc.array(fc.option(fc.constantFrom("dach", "nordics"), { nil: undefined }), { minLength: ms.length, maxLength: ms.length }),
      fc.array(fc.option(fc.nat(100_000), { nil: undefined }), { minLength: ms.length, maxLength: ms.length }),
    )
    .map(([regions, lags]) =>
      ms.map((m, i): Mirror => ({ ...m, ...(regions[i] ? { region: regions[i] } : {}), ...(lags[i] !== undefined ? { lagSeconds: lags[i] } : {}) })),
    ),
);

/** A file held by a random subset of ids, including ids the table does not know. */
export const fileArb = (maxId: number): fc.Arbitrary<FileRecord> =>
  fc.record({
    size: fc.integer({ min: 0, max: 30_000_000 }),
    mtime: fc.nat(2_000_000_000),
    changed: fc.nat(2_000_000_000),
    mirrors: fc.uniqueArray(fc.nat(maxId + 5), { maxLength: maxId + 5 }).map((ids) => ids.sort((a, b) => a - b)),
  });

export const clientArb: fc.Arbitrary<ClientSpec> = fc.record(
  {
    ip: fc.oneof(v4, v6),
    country: countryCode,
    continent: fc.constantFrom("EU", "NA", "SA", "AS", "OC"),
    asn,
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    lon: fc.double({ min: -180, max: 180, noNaN: true }),
  },
  { requiredKeys: [] },
);

export const avoidArb = fc.uniqueArray(countryCode, { maxLength: 3 });
export const pathArb = fc.constantFrom("releases/1.0/foo.iso", "repo/x86_64/a.rpm", "debian/pool/main/a.deb", "isos/Release", "a/b/c/d.tar.xz");
