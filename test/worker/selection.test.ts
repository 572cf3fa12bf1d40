import { describe, expect, it } from "vitest";
import { file, mirror } from "../helpers/fixtures.js";
import { decide, reasonFor } from "../helpers/select-helpers.js";

const all = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("tiers", () => {
  const pfx = mirror({ id: 1, name: "campus", country: "DE", continent: "EU", prefixes: ["192.0.2.0/24", "2001:db8:1::/48"] });
  const asn = mirror({ id: 2, name: "isp", country: "DE", continent: "EU", asns: [3320] });
  const cc = mirror({ id: 3, name: "de", country: "DE", continent: "EU" });
  const reg = mirror({ id: 4, name: "fr", country: "FR", continent: "EU" });
  const world = mirror({ id: 5, name: "us", country: "US", continent: "NA" });
  const mirrors = [pfx, asn, cc, reg, world];
  const f = file(all(5));

  it("prefix beats ASN beats country beats region beats world", () => {
    const full = { ip: "192.0.2.9", asn: 3320, country: "DE", continent: "EU" };
    expect(decide(mirrors, f, full).winner?.mirror.name).toBe("campus");
    expect(decide(mirrors, f, full).winner?.tier).toBe("prefix");
    const d2 = decide(mirrors, f, { ...full, ip: "198.51.100.1" });
    expect([d2.winner?.mirror.name, d2.winner?.tier]).toEqual(["isp", "asn"]);
    const d3 = decide(mirrors, f, { ip: "198.51.100.1", asn: 1, country: "DE", continent: "EU" });
    expect(d3.winner?.tier).toBe("country");
    expect(["campus", "isp", "de"]).toContain(d3.winner?.mirror.name);
    const d4 = decide([reg, world], f, { ip: "198.51.100.1", country: "IT", continent: "EU" });
    expect([d4.winner?.mirror.name, d4.winner?.tier]).toEqual(["fr", "region"]);
    const d5 = decide([reg, world], f, { ip: "198.51.100.1", country: "JP", continent: "AS" });
    expect(d5.winner?.tier).toBe("world");
  });

  it("matches IPv6 clients against IPv6 prefixes", () => {
    const d = decide(mirrors, f, { ip: "2001:db8:1:ff::1", country: "US", continent: "NA" });
    expect([d.winner?.mirror.name, d.winner?.tier]).toEqual(["campus", "prefix"]);
  });

  it("ranks every candidate by tier, then score", () => {
    const d = decide(mirrors, f, { ip: "192.0.2.9", asn: 3320, country: "DE", continent: "EU" });
    expect(d.ranked.map((r) => r.tier)).toEqual(["prefix", "asn", "country", "region", "world"]);
  });

  it("extra countries come after the country's own mirrors, before the region", () => {
    const at = mirror({ id: 6, name: "at-too", country: "DE", continent: "EU", extraCountries: ["AT"] });
    const d = decide([at, reg], file([4, 6]), { country: "AT", continent: "EU" });
    expect([d.winner?.mirror.name, d.winner?.tier]).toEqual(["at-too", "extra-country"]);
    // An Austrian mirror takes every Austrian client, not half of them.
    const vienna = mirror({ id: 9, name: "vienna", country: "AT", continent: "EU", weight: 1 });
    for (let i = 0; i < 50; i++) {
      const w = decide([at, reg, vienna], file([4, 6, 9]), { ip: `198.51.${i}.1`, country: "AT", continent: "EU" }).winner;
      expect([w?.mirror.name, w?.tier]).toEqual(["vienna", "country"]);
    }
    // country_only still lets the mirror serve its extra countries.
    const confined = mirror({ id: 10, name: "de-only", country: "DE", continent: "EU", extraCountries: ["AT"], countryOnly: true });
    expect(decide([confined], file([10]), { country: "AT", continent: "EU" }).winner?.mirror.name).toBe("de-only");
    expect(decide([confined], file([10]), { country: "CH", continent: "EU" }).winner).toBeNull();
  });

  it("operator regions override continents", () => {
    const policy = { regions: { nordic: ["SE", "NO", "FI", "DK"], west: ["FR", "BE", "NL"] } };
    const se = mirror({ id: 7, name: "se", country: "SE", continent: "EU" });
    const fr = mirror({ id: 8, name: "fr", country: "FR", continent: "EU" });
    const d = decide([se, fr], file([7, 8]), { country: "NO", continent: "EU" }, { policy });
    expect([d.winner?.mirror.name, d.winner?.tier]).toEqual(["se", "region"]);
    expect(d.ranked.find((r) => r.mirror.name === "fr")?.tier).toBe("world");
  });
});

describe("confinement flags", () => {
  const f = file([1]);
  const cases = [
    {
      flag: "prefixOnly",
      inside: { ip: "192.0.2.1", country: "US", continent: "NA" },
      outside: { ip: "198.51.100.1", asn: 3320, country: "DE", continent: "EU" },
    },
    { flag: "asnOnly", inside: { ip: "198.51.100.1", asn: 3320, country: "US" }, outside: { ip: "198.51.100.1", asn: 1, country: "DE", continent: "EU" } },
    { flag: "countryOnly", inside: { country: "DE", continent: "EU" }, outside: { country: "FR", continent: "EU" } },
    { flag: "regionOnly", inside: { country: "FR", continent: "EU" }, outside: { country: "US", continent: "NA" } },
  ] as const;
  for (const c of cases) {
    it(`${c.flag} serves its tier and nothing wider`, () => {
      const m = mirror({ id: 1, name: "m", country: "DE", continent: "EU", prefixes: ["192.0.2.0/24"], asns: [3320], [c.flag]: true });
      expect(decide([m], f, c.inside).winner?.mirror.name).toBe("m");
      const out = decide([m], f, c.outside);
      expect(out.winner).toBeNull();
      expect(out.originReason).toBe("no-mirror");
      expect(reasonFor(out, "m")).toMatch(new RegExp(`^${c.flag.replace(/[A-Z]/, (l) => `_${l.toLowerCase()}`)}\\b.*: client is in its \\w[-\\w]* tier$`));
    });
  }
});

describe("candidate filters", () => {
  const f = file([1, 2]);
  const de = mirror({ id: 1, name: "de", country: "DE", continent: "EU" });
  const fr = mirror({ id: 2, name: "fr", country: "FR", continent: "EU" });

  it("only mirrors holding the current version are candidates", () => {
    const d = decide([de, fr], file([2]), { country: "DE", continent: "EU" });
    expect(d.winner?.mirror.name).toBe("fr");
    expect(reasonFor(d, "de")).toMatch(/does not hold/);
  });

  it("allow and deny lists", () => {
    const allowOnly = mirror({ ...de, allowCountries: ["AT"] });
    expect(reasonFor(decide([allowOnly, fr], f, { country: "DE" }), "de")).toMatch(/not in the mirror's allow list/);
    expect(decide([allowOnly, fr], f, { country: "AT" }).winner?.mirror.name).toBe("de");
    const denyDe = mirror({ ...de, denyCountries: ["DE"] });
    const d = decide([denyDe, fr], f, { country: "DE", continent: "EU" });
    expect(d.winner?.mirror.name).toBe("fr");
    expect(reasonFor(d, "de")).toMatch(/deny list/);
  });

  it("?avoid skips mirrors in the named countries", () => {
    const d = decide([de, fr], f, { country: "DE", continent: "EU" }, { avoid: ["DE"] });
    expect(d.winner?.mirror.name).toBe("fr");
    expect(reasonFor(d, "de")).toBe("client asked to avoid DE");
  });

  it("never downgrades https to http, but upgrades http to https", () => {
    const httpOnly = mirror({ ...de, urls: { http: "http://de.test/" } });
    const d = decide([httpOnly, fr], f, { country: "DE", continent: "EU" }, { scheme: "https" });
    expect(d.winner?.mirror.name).toBe("fr");
    expect(reasonFor(d, "de")).toMatch(/never downgrade/);
    const httpsOnly = mirror({ ...de, urls: { https: "https://de.test/" } });
    const up = decide([httpsOnly], file([1]), { country: "DE" }, { scheme: "http" });
    expect(up.winner?.url).toBe("https://de.test/releases/1.0/foo.iso");
    const same = decide([de], file([1]), { country: "DE" }, { scheme: "http" });
    expect(same.winner?.url).toBe("http://de.test/pub/releases/1.0/foo.iso");
  });

  it("skips a mirror that is down for the request's scheme only", () => {
    const httpsDown = mirror({ ...de, up: { https: false } });
    expect(reasonFor(decide([httpsDown, fr], f, { country: "DE" }, { scheme: "https" }), "de")).toBe("down for https");
    expect(decide([httpsDown], file([1]), { country: "DE" }, { scheme: "http" }).winner?.scheme).toBe("http");
  });

  it("IPv6 clients go only to IPv6 mirrors, IPv4 clients only to IPv4 mirrors", () => {
    const v4only = mirror({ ...de, ipv6: false });
    const d6 = decide([v4only, fr], f, { ip: "2001:db8::1", country: "DE", continent: "EU" });
    expect(d6.winner?.mirror.name).toBe("fr");
    expect(reasonFor(d6, "de")).toBe("not reachable over IPv6");
    const v6only = mirror({ ...fr, ipv4: false });
    const d4 = decide([de, v6only], f, { ip: "::ffff:192.0.2.1", country: "FR", continent: "EU" });
    expect(d4.winner?.mirror.name).toBe("de");
    expect(reasonFor(d4, "fr")).toBe("not reachable over IPv4");
  });

  it("respects max file size", () => {
    const small = mirror({ ...de, maxFileSize: 1024 * 1024 });
    const d = decide([small, fr], f, { country: "DE", continent: "EU" });
    expect(d.winner?.mirror.name).toBe("fr");
    expect(reasonFor(d, "de")).toMatch(/exceeds max_file_size/);
  });

  it("disabled and weight-0 mirrors get nothing", () => {
    expect(reasonFor(decide([mirror({ ...de, enabled: false }), fr], f, { country: "DE" }), "de")).toBe("disabled");
    expect(reasonFor(decide([mirror({ ...de, weight: 0 }), fr], f, { country: "DE" }), "de")).toBe("weight is 0");
  });
});

describe("origin fallbacks", () => {
  const de = mirror({ id: 1, name: "de", country: "DE", continent: "EU" });
  it("small files go to the origin", () => {
    const d = decide([de], file([1], { size: 4095 }), { country: "DE" });
    expect([d.winner, d.originReason]).toEqual([null, "small-file"]);
    expect(decide([de], file([1], { size: 4096 }), { country: "DE" }).winner?.mirror.name).toBe("de");
    expect(decide([de], file([1], { size: 100 }), { country: "DE" }, { policy: { minSize: 0 } }).winner?.mirror.name).toBe("de");
  });
  it("repository metadata goes to the origin", () => {
    for (const p of [
      "repo/repodata/repomd.xml",
      "debian/dists/stable/InRelease",
      "debian/dists/stable/main/binary-amd64/Packages.xz",
      "releases/1.0/foo.iso.asc",
    ]) {
      expect(decide([de], file([1]), { country: "DE" }, { path: p }).originReason).toBe("origin-pattern");
    }
    expect(decide([de], file([1]), { country: "DE" }, { path: "pool/Packages-guide.pdf/x.iso" }).winner?.mirror.name).toBe("de");
    const custom = { originPatterns: ["snapshots/*/latest.tar"] };
    expect(decide([de], file([1]), {}, { path: "snapshots/2026/latest.tar", policy: custom }).originReason).toBe("origin-pattern");
    expect(decide([de], file([1]), {}, { path: "snapshots/2026/x/latest.tar", policy: custom }).originReason).toBeUndefined();
  });
  it("no qualifying mirror goes to the origin", () => {
    expect(decide([de], file([]), { country: "DE" }).originReason).toBe("no-mirror");
  });
});

describe("weighted, sticky choice", () => {
  const weights = [100, 50, 25, 25, 200];
  const mirrors = weights.map((w, i) => mirror({ id: i + 1, name: `m${i + 1}`, country: "DE", continent: "EU", weight: w }));
  const f = file(all(5));
  const ipOf = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.7`;

  it("shares are proportional to weight over 10,000 client networks (±2.5% of each share)", () => {
    const N = 10_000;
    const counts = new Map<string, number>();
    for (let i = 0; i < N; i++) {
      const name = decide(mirrors, f, { ip: ipOf(i), country: "DE", continent: "EU" }).winner!.mirror.name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const total = weights.reduce((a, b) => a + b, 0);
    weights.forEach((w, i) => {
      const expected = (N * w) / total;
      // 2.5% of N is > 4 binomial standard deviations for every share here.
      expect(Math.abs((counts.get(`m${i + 1}`) ?? 0) - expected)).toBeLessThan(0.025 * N);
    });
  });

  it("the same network and repository keep their mirror across files and hosts", () => {
    for (let i = 0; i < 200; i++) {
      const a = decide(mirrors, f, { ip: `10.1.${i}.7`, country: "DE" }, { path: "repo/x86_64/a.rpm" });
      const b = decide(mirrors, f, { ip: `10.1.${i}.200`, country: "DE" }, { path: "repo/x86_64/b.rpm" });
      const c = decide(mirrors, f, { ip: `10.1.${i}.7`, country: "DE" }, { path: "repo/x86_64/sub/c.rpm" });
      expect(b.winner!.mirror.name).toBe(a.winner!.mirror.name);
      expect(c.winner!.mirror.name).toBe(a.winner!.mirror.name);
    }
  });

  it("different repositories spread independently, and ?newmirror redraws", () => {
    let differs = 0;
    let redraws = 0;
    for (let i = 0; i < 200; i++) {
      const a = decide(mirrors, f, { ip: `10.2.${i}.7`, country: "DE" }, { path: "one/x/a.rpm" });
      const b = decide(mirrors, f, { ip: `10.2.${i}.7`, country: "DE" }, { path: "two/x/a.rpm" });
      const n = decide(mirrors, f, { ip: `10.2.${i}.7`, country: "DE" }, { path: "one/x/a.rpm", salt: `s${i}` });
      if (a.winner!.mirror.id !== b.winner!.mirror.id) differs++;
      if (a.winner!.mirror.id !== n.winner!.mirror.id) redraws++;
    }
    // With these weights two independent draws differ with probability 1 - Σp² ≈ 0.69.
    expect(differs).toBeGreaterThan(100);
    expect(redraws).toBeGreaterThan(100);
  });

  it("when the chosen mirror loses the file, only its clients move", () => {
    let moved = 0;
    for (let i = 0; i < 500; i++) {
      const c = { ip: ipOf(i), country: "DE" };
      const before = decide(mirrors, f, c).winner!.mirror.id;
      const after = decide(mirrors, file([1, 2, 3, 4]), c).winner!.mirror.id;
      if (before !== 5) expect(after).toBe(before);
      else moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("distance shapes weight in the world tier", () => {
    const near = mirror({ id: 1, name: "near", country: "US", continent: "NA", lat: 40, lon: -74 });
    const far = mirror({ id: 2, name: "far", country: "AU", continent: "OC", lat: -33, lon: 151 });
    let nearWins = 0;
    for (let i = 0; i < 2000; i++) {
      const d = decide([near, far], file([1, 2]), { ip: ipOf(i), country: "BR", continent: "SA", lat: -23, lon: -46 });
      if (d.winner!.mirror.name === "near") nearWins++;
      expect(d.winner!.distanceKm).toBeGreaterThan(0);
    }
    // São Paulo: ~7,700 km to New York, ~13,400 km to Sydney; H = 2000 km gives 0.2062 vs 0.1299, a 61% share.
    expect(nearWins / 2000).toBeGreaterThan(0.57);
    expect(nearWins / 2000).toBeLessThan(0.65);
  });
});
