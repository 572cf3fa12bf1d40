import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/env.js";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { StatsView } from "../../src/stats/stats-view.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { failingD1 } from "./broken-bindings.js";
import { forgetLocalRepeatMarks } from "../../src/stats/repeats.js";
import { expireStats } from "../../src/scheduled/stats-retention.js";
import { seed } from "./seed.js";

const app = createApp();
const ISO = "releases/1.0/foo.iso";
const SIZE = 10 * 1024 * 1024;
const de1 = mirror({ id: 1, name: "de1", country: "DE", continent: "EU", weight: 200 });
const de2 = mirror({ id: 2, name: "de2", country: "DE", continent: "EU", weight: 100 });
const FILES = { [ISO]: file([1, 2]), "debian/dists/stable/InRelease": file([1, 2]), "debian/pool/main/a/a.deb": file([1, 2]) };
const german = (ip: string) => ({ "x-debug-country": "DE", "x-debug-ip": ip, "x-debug-asn": "64500" });

// Storage outlives a test here: each test starts from empty counts and no marks in the isolate,
// and its own host keeps its marks in the data centre's cache (keyed under the host) apart.
let host = "";
let tests = 0;

/** One request through the Worker with its execution context, waited on: the counts are written after the response. */
async function call(path: string, headers: Record<string, string>, init: RequestInit = {}, e: Env = env as Env): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`https://${host}/${path}`, { headers, ...init }), e, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function stats(): Promise<StatsView> {
  const res = await call("_mirrorhop/api/stats", {});
  expect(res.status).toBe(200);
  return (await res.json()) as StatsView;
}

describe("download statistics", () => {
  beforeEach(async () => {
    host = `t${++tests}-${Date.now()}.get.test`;
    forgetLocalRepeatMarks();
    await env.DB.batch(["stats_mirror_day", "stats_unit_day", "stats_country_day"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
    await seed(table([de1, de2], { repositories: [{ root: "debian", kind: "apt", metadata: "mirrors" }] }), FILES);
  });

  it("a GET counts with its mirror, tier, country and bytes; a HEAD counts nothing", async () => {
    const res = await call(ISO, german("198.51.100.7"));
    expect(res.status).toBe(302);
    const chosen = res.headers.get("x-mirrorhop-mirror");
    expect((await call(ISO, german("203.0.113.9"), { method: "HEAD" })).status).toBe(302);
    const v = await stats();
    expect(v.store).toBe("d1");
    expect(v.totals.download).toEqual({ events1d: 1, bytes1d: SIZE, events7d: 1, bytes7d: SIZE });
    const m = v.mirrors.find((x) => x.name === chosen)!;
    expect(m.downloads.events7d).toBe(1);
    expect(m.share.events7d).toBe(1);
    expect(v.byTier).toEqual({ country: { events1d: 1, bytes1d: SIZE, events7d: 1, bytes7d: SIZE } });
    expect(v.countries).toEqual([{ country: "DE", events1d: 1, bytes1d: SIZE, events7d: 1, bytes7d: SIZE }]);
    expect(v.units.map((u) => u.unit)).toEqual([ISO]);
  });

  it("Metalinks, checksums and mirror lists are counted apart from downloads", async () => {
    expect((await call(`${ISO}.meta4`, german("198.51.100.7"))).status).toBe(200);
    expect((await call(ISO, { ...german("198.51.100.8"), Accept: "application/metalink4+xml" })).status).toBe(200);
    expect((await call(`${ISO}.sha256`, german("198.51.100.7"))).status).toBe(200);
    expect((await call(`${ISO}.mirrorlist`, german("198.51.100.7"))).status).toBe(200);
    const v = await stats();
    expect(v.totals.download.events7d).toBe(0);
    // The two Metalinks come from one /24 within the window: one Metalink download, one repeat.
    expect(v.totals.metalink.events7d).toBe(1);
    expect(v.totals.repeat.events7d).toBe(1);
    expect(v.totals.checksum.events7d).toBe(1);
    expect(v.totals.mirrorlist.events7d).toBe(1);
    expect(v.units).toEqual([{ unit: ISO, events1d: 1, bytes1d: 0, events7d: 1, bytes7d: 0 }]);
  });

  it("a resumed Range download from the same /24 counts once; a full repeat within the window too; another network counts again", async () => {
    await call(ISO, german("198.51.100.7"));
    await call(ISO, { ...german("198.51.100.7"), Range: "bytes=4000000-" });
    await call(ISO, { ...german("198.51.100.99"), Range: "bytes=8000000-" });
    await call(ISO, german("198.51.100.42"));
    await call(ISO, { ...german("198.51.100.7"), Range: "bytes=0-" });
    let v = await stats();
    expect(v.totals.download.events7d).toBe(1);
    expect(v.totals.resume).toMatchObject({ events7d: 2, bytes7d: SIZE - 4_000_000 + SIZE - 8_000_000 });
    expect(v.totals.repeat.events7d).toBe(2);
    await call(ISO, german("192.0.2.7"));
    v = await stats();
    expect(v.totals.download.events7d).toBe(2);
    // Each file of a declared repository counts under its root; two files are two downloads.
    await call("debian/pool/main/a/a.deb", german("198.51.100.7"));
    await call("debian/dists/stable/InRelease", german("198.51.100.7"));
    v = await stats();
    expect(v.units.find((u) => u.unit === "debian")?.events7d).toBe(2);
  });

  it("with data-centre marks, a repeat is recognised by another isolate of the same data centre, through the cache", async () => {
    await seed(table([de1, de2], { stats: { ...DEFAULT_POLICY.stats, repeatMarks: "data-centre" } }), FILES);
    await call(ISO, german("198.51.100.7"));
    forgetLocalRepeatMarks();
    await call(ISO, german("198.51.100.8"));
    const v = await stats();
    expect(v.totals.download.events7d).toBe(1);
    expect(v.totals.repeat.events7d).toBe(1);
  });

  it("with isolate marks (the default), the cache is not asked: another isolate counts the download again", async () => {
    await call(ISO, german("198.51.100.7"));
    forgetLocalRepeatMarks();
    await call(ISO, german("198.51.100.8"));
    expect((await stats()).totals.download.events7d).toBe(2);
  });

  it("paths the index does not know go to the origin and count under one unit", async () => {
    for (let i = 0; i < 3; i++) expect((await call(`wp-login-${i}.php`, german(`198.51.100.${i}`))).status).toBe(302);
    const v = await stats();
    expect(v.origin.downloads.events7d).toBe(3);
    expect(v.origin.byReason["unknown-path"]?.events7d).toBe(3);
    expect(v.units).toEqual([{ unit: "(unknown paths)", events1d: 3, bytes1d: 0, events7d: 3, bytes7d: 0 }]);
  });

  it("the cron drops days older than retention_days from every statistics table", async () => {
    await seed(table([de1, de2], { stats: { ...DEFAULT_POLICY.stats, retentionDays: 30 } }), FILES);
    const now = Date.UTC(2026, 11, 2, 12) / 1000;
    for (const day of ["2026-10-01", "2026-11-01", "2026-11-02", "2026-12-02"]) {
      await env.DB.batch([
        env.DB.prepare("INSERT INTO stats_mirror_day (day, kind, mirror_id, tier, events, bytes) VALUES (?, 'download', 1, 'country', 1, 1)").bind(day),
        env.DB.prepare("INSERT INTO stats_unit_day (day, kind, unit, events, bytes) VALUES (?, 'download', 'a', 1, 1)").bind(day),
        env.DB.prepare("INSERT INTO stats_country_day (day, kind, country, events, bytes) VALUES (?, 'download', 'DE', 1, 1)").bind(day),
      ]);
    }
    await expireStats(env as Env, now);
    for (const t of ["stats_mirror_day", "stats_unit_day", "stats_country_day"]) {
      const days = (await env.DB.prepare(`SELECT day FROM ${t} ORDER BY day`).all<{ day: string }>()).results.map((r) => r.day);
      expect(days).toEqual(["2026-11-02", "2026-12-02"]);
    }
  });

  it("counting off in the policy counts nothing", async () => {
    await seed(table([de1, de2], { stats: { ...DEFAULT_POLICY.stats, enabled: false } }), FILES);
    await call(ISO, german("198.51.100.7"));
    expect((await stats()).totals.download.events7d).toBe(0);
  });

  it("a failing statistics store costs no download: every redirect goes out, the failure is logged once", async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    const throwingAe = {
      ...env,
      STATS_STORE: "analytics-engine",
      STATS: {
        writeDataPoint: () => {
          throw new Error("injected dataset failure");
        },
      },
    } as unknown as Env;
    const failingStore = { ...env, DB: failingD1() } as Env;
    try {
      for (const e of [failingStore, throwingAe]) {
        for (let i = 0; i < 5; i++) {
          const res = await call(ISO, german(`198.51.${100 + i}.7`), {}, e);
          expect(res.status).toBe(302);
          expect(res.headers.get("x-mirrorhop-mirror")).toMatch(/^de[12]$/);
        }
      }
    } finally {
      spy.mockRestore();
    }
    expect(logged.filter((l) => l.includes("statistics store failed")).length).toBe(1);
  });

  it("writes Analytics Engine data points without client addresses", async () => {
    // Stand-in for the dataset binding: locally, Analytics Engine accepts points and keeps none to read back.
    const points: AnalyticsEngineDataPoint[] = [];
    const e = { ...env, STATS_STORE: "analytics-engine", STATS: { writeDataPoint: (p: AnalyticsEngineDataPoint) => void points.push(p) } } as unknown as Env;
    const res = await call(ISO, german("198.51.100.7"), {}, e);
    expect(points).toEqual([
      { indexes: [ISO], blobs: ["download", ISO, res.headers.get("x-mirrorhop-mirror") === "de1" ? "1" : "2", "country", "DE"], doubles: [SIZE] },
    ]);
    expect(JSON.stringify(points)).not.toContain("198.51");
  });

  it("20,000 client networks over mirrors weighted 2:1 show 2:1 shares in the JSON, on the page and in the metrics", async () => {
    // Repeat marks are tested above; without them this test measures the shares alone, at a third of the time.
    await seed(table([de1, de2], { stats: { ...DEFAULT_POLICY.stats, repeatWindowSeconds: 0 } }), FILES);
    const N = 20_000;
    // The isolate may trust its table and records here: only the counting is under test.
    const cached = { ...env, MIRROR_TABLE_TTL_SECONDS: "600", FILE_RECORD_TTL_SECONDS: "600" } as Env;
    for (let i = 0; i < N; i += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => call(ISO, german(`10.${(i + j) >> 8}.${(i + j) & 255}.1`), {}, cached)));
    }
    const v = await stats();
    expect(v.totals.download.events7d).toBe(N);
    const share = (name: string) => v.mirrors.find((m) => m.name === name)!;
    expect(share("de1").weightShare).toBeCloseTo(2 / 3, 6);
    // Rendezvous hashing over 20,000 networks: the binomial spread is ±0.33 % (one σ); 1.5 % is ±4.5 σ.
    expect(Math.abs(share("de1").share.events7d! - 2 / 3)).toBeLessThan(0.015);
    expect(Math.abs(share("de2").share.events7d! - 1 / 3)).toBeLessThan(0.015);
    expect(share("de1").downloads.events7d + share("de2").downloads.events7d).toBe(N);

    const page = await (await call("_mirrorhop/status", {})).text();
    const row = (name: string) => new RegExp(`data-stats-mirror="${name}" data-weight-share="([0-9.]+)" data-share-7d="([0-9.]+)"`).exec(page);
    expect(Number(row("de1")![1])).toBeCloseTo(2 / 3, 3);
    expect(Number(row("de1")![2])).toBeCloseTo(share("de1").share.events7d!, 3);

    const metrics = await (await call("_mirrorhop/metrics", {})).text();
    expect(metrics).toContain("# TYPE mirrorhop_downloads_total counter");
    expect(metrics).toContain(`mirrorhop_downloads_total{mirror="de1"} ${share("de1").downloads.events1d}`);
    expect(metrics).toContain(`mirrorhop_requests_counted_total{kind="download"} ${N}`);
  }, 120_000);
});
