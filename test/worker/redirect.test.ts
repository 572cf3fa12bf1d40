import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/env.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { getMirrorTable } from "../../src/storage/mirror-table.js";
import { failingD1, failingKv, hangingD1, hangingKv, type KvWithSwitch, wrapKv } from "./broken-bindings.js";
import { seed } from "./seed.js";

const ISO = "releases/1.0/foo.iso";
const de = mirror({ id: 1, name: "de1", country: "DE", continent: "EU", prefixes: ["192.0.2.0/24"] });
const fr = mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" });
const us = mirror({ id: 3, name: "us1", country: "US", continent: "NA" });
const at = mirror({ id: 4, name: "at1", country: "AT", continent: "EU", urls: { http: "http://at1.test/" } });
const FILES = {
  [ISO]: file([1, 2, 3, 4]),
  "releases/1.0/only-us.iso": file([3]),
  "releases/1.0/nobody.iso": file([]),
  "releases/1.0/tiny.txt": file([1, 2, 3], { size: 100 }),
  "debian/dists/stable/InRelease": file([1, 2, 3]),
  "releases/1.0/nohash.iso": { size: 5_000_000, mtime: 1, changed: 1, mirrors: [1] },
};
const GERMAN = { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7", "x-debug-asn": "64500" };

function get(path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
  return SELF.fetch(`https://get.test/${path}`, { redirect: "manual", headers, ...init });
}

describe("download redirect", () => {
  beforeEach(async () => {
    await seed(table([de, fr, us, at]), FILES);
  });

  it("answers 302 with Location, duplicates, describedby, Digest, no-store and the decision", async () => {
    const res = await get(ISO, GERMAN);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://de1.test/pub/releases/1.0/foo.iso");
    expect(res.headers.get("x-mirrorhop-mirror")).toBe("de1");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("country");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    // Headers.get joins repeated lines with ", "; the raw lines are checked over the wire in test/node.
    const links = res.headers.get("link")!.split(/, (?=<)/);
    expect(links[0]).toBe('<https://get.test/releases/1.0/foo.iso.meta4>; rel=describedby; type="application/metalink4+xml"');
    expect(links[1]).toBe("<https://de1.test/pub/releases/1.0/foo.iso>; rel=duplicate; pri=1; geo=de");
    expect(links[2]).toBe("<https://fr1.test/pub/releases/1.0/foo.iso>; rel=duplicate; pri=2; geo=fr");
    expect(links[3]).toBe("<https://us1.test/pub/releases/1.0/foo.iso>; rel=duplicate; pri=3; geo=us");
    // at1 has no https URL: never offered to an https client, not even as a duplicate.
    expect(links.some((l) => l.includes("at1"))).toBe(false);
    expect(res.headers.get("digest")).toBe(
      "SHA-256=MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=, SHA=IiIiIiIiIiIiIiIiIiIiIiIiIiI=, MD5=EREREREREREREREREREREQ==",
    );
  });

  it("HEAD carries the same status and headers, without a body", async () => {
    const g = await get(ISO, GERMAN);
    const h = await get(ISO, GERMAN, { method: "HEAD" });
    expect(h.status).toBe(g.status);
    expect([...h.headers]).toEqual([...g.headers]);
    expect(await h.text()).toBe("");
  });

  it("lists at most policy.maxLinks duplicates", async () => {
    await seed(table([de, fr, us, at], { maxLinks: 2 }), FILES);
    const links = (await get(ISO, GERMAN)).headers.get("link")!.split(/, (?=<)/);
    expect(links.filter((l) => l.includes("rel=duplicate"))).toHaveLength(2);
  });

  it("a file only one mirror holds goes there whatever the client", async () => {
    const res = await get("releases/1.0/only-us.iso", GERMAN);
    expect(res.headers.get("location")).toBe("https://us1.test/pub/releases/1.0/only-us.iso");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("world");
  });

  it.each([
    ["releases/1.0/nobody.iso", "no-mirror"],
    ["releases/1.0/tiny.txt", "small-file"],
    ["debian/dists/stable/InRelease", "origin-pattern"],
  ])("%s goes to the origin (%s)", async (path, reason) => {
    const res = await get(path, GERMAN);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`https://origin.test/pub/${path}`);
    expect(res.headers.get("x-mirrorhop-mirror")).toBe("origin");
    expect(res.headers.get("x-mirrorhop-tier")).toBe(reason);
    expect(res.headers.get("link")).not.toContain("rel=duplicate");
  });

  it("omits Digest when no hash is known", async () => {
    const res = await get("releases/1.0/nohash.iso", GERMAN);
    expect(res.headers.get("location")).toContain("de1.test");
    expect(res.headers.has("digest")).toBe(false);
  });

  it("http requests may go to http mirrors", async () => {
    const res = await SELF.fetch(`http://get.test/${ISO}`, { redirect: "manual", headers: { "x-debug-country": "AT" } });
    expect(res.headers.get("location")).toBe("http://at1.test/releases/1.0/foo.iso");
  });

  it("honours ?country, ?avoid and the prefix tier", async () => {
    expect((await get(`${ISO}?country=fr`, GERMAN)).headers.get("location")).toContain("fr1.test");
    expect((await get(`${ISO}?avoid=de,fr`, GERMAN)).headers.get("location")).toContain("us1.test");
    const campus = { "x-debug-country": "FR", "x-debug-ip": "192.0.2.50" };
    const res = await get(ISO, campus);
    expect([res.headers.get("x-mirrorhop-mirror"), res.headers.get("x-mirrorhop-tier")]).toEqual(["de1", "prefix"]);
    // ?country relocates the client: the campus prefix no longer applies.
    expect((await get(`${ISO}?country=FR`, campus)).headers.get("x-mirrorhop-mirror")).toBe("fr1");
    expect((await get(`${ISO}?country=germany`, GERMAN)).status).toBe(400);
    expect(await (await get(`${ISO}?avoid=de,1`, GERMAN)).text()).toMatch(/\?avoid must list two-letter country codes/);
  });

  it("reads geo from request.cf when debug headers are absent", async () => {
    const res = await SELF.fetch(`https://get.test/${ISO}`, {
      redirect: "manual",
      headers: { "cf-connecting-ip": "2001:db8::5" },
      cf: { country: "FR", continent: "EU", asn: 3215, latitude: "48.85", longitude: "2.35" },
    } as RequestInit);
    expect(res.headers.get("x-mirrorhop-mirror")).toBe("fr1");
  });

  it("sends a path the index does not hold to the origin; its derived documents and unknown directories stay 404", async () => {
    const res = await get("releases/1.0/missing.iso", GERMAN);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://origin.test/pub/releases/1.0/missing.iso");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("unknown-path");
    expect(res.headers.get("link")).toBeNull();
    expect(res.headers.get("digest")).toBeNull();
    // A client that asks every download for a Metalink (libzypp) is sent there too.
    const negotiated = await get("releases/1.0/missing.iso", { ...GERMAN, accept: "*/*, application/metalink+xml, application/metalink4+xml" });
    expect([negotiated.status, negotiated.headers.get("location")]).toEqual([302, "https://origin.test/pub/releases/1.0/missing.iso"]);
    for (const doc of ["meta4", "metalink", "sha256", "mirrorlist"]) expect((await get(`releases/1.0/missing.iso.${doc}`, GERMAN)).status).toBe(404);
    expect((await get("releases/9.9/", GERMAN)).status).toBe(404);
  });

  it("404s an unknown path itself with unknown_paths = 404", async () => {
    await seed(table([de, fr, us, at], { unknownPaths: "404" }), FILES);
    const res = await get("releases/1.0/missing.iso", GERMAN);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("not found: /releases/1.0/missing.iso\n");
    // In the format asked for: JSON for ?json or Accept: application/json, as the README says.
    for (const asked of [get("releases/1.0/missing.iso?json", GERMAN), get("releases/1.0/missing.iso", { ...GERMAN, accept: "application/json" })]) {
      const r = await asked;
      expect(r.status).toBe(404);
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await r.json()).toEqual({ error: "not found: /releases/1.0/missing.iso" });
    }
    const bad = await get("releases//x.iso?json", GERMAN);
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, "bad request path: empty path segment ('//')"]);
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])("%s is 405 with Allow", async (method) => {
    const res = await get(ISO, GERMAN, { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });

  it.each([
    ["releases//1.0/foo.iso", /empty path segment/],
    ["releases/1.0/foo%2fbar.iso", /encoded slash/],
    ["releases/1.0/foo%00.iso", /control character/],
    ["releases/1.0/foo%0d%0aSet-Cookie:%20x=1", /control character/],
    ["releases/1.0/%c3%28.iso", /invalid UTF-8/],
    ["releases/" + "a".repeat(1100), /longer than 1024/],
  ])("400s a malformed path: %s", async (path, reason) => {
    const res = await get(path, GERMAN);
    expect(res.status).toBe(400);
    expect(res.headers.has("location")).toBe(false);
    expect(await res.text()).toMatch(reason);
  });

  it("serves from D1 when KV has no record yet", async () => {
    await seed(table([de, fr, us, at]), FILES, { kv: false });
    const res = await get(ISO, GERMAN);
    expect(res.headers.get("location")).toBe("https://de1.test/pub/releases/1.0/foo.iso");
    const explain = (await (await get(`_mirrorhop/explain/${ISO}`, GERMAN)).json()) as { file: { source: string }; table: { source: string } };
    expect(explain.file.source).toBe("d1");
    expect(explain.table.source).toBe("d1");
    // D1 confirmed the miss: the origin takes it.
    expect((await get("releases/1.0/missing.iso", GERMAN)).headers.get("x-mirrorhop-tier")).toBe("unknown-path");
  });
});

describe("storage failures", () => {
  const app = createApp();
  async function call(path: string, e: Env) {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`https://get.test/${path}`, { headers: GERMAN }), e, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  }

  beforeEach(async () => {
    await seed(table([de, fr, us, at]), FILES);
  });

  it("KV failing: D1 answers and the client still gets the right mirror", async () => {
    const res = await call(ISO, { ...env, INDEX: failingKv() } as Env);
    expect(res.headers.get("location")).toBe("https://de1.test/pub/releases/1.0/foo.iso");
  });

  it("KV and D1 both failing: the origin, never a 5xx", async () => {
    const broken = { ...env, INDEX: failingKv(), DB: failingD1() } as Env;
    const res = await call(ISO, broken);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://origin.test/pub/releases/1.0/foo.iso");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("storage-unavailable");
    const health = await call("_mirrorhop/health", broken);
    expect(health.status).toBe(503);
  });

  it("D1 failing with KV healthy changes nothing for downloads; health says degraded", async () => {
    const e = { ...env, DB: failingD1() } as Env;
    expect((await call(ISO, e)).headers.get("x-mirrorhop-mirror")).toBe("de1");
    // A KV miss goes to the origin without asking D1, so D1's outage does not even show there.
    expect((await call("releases/1.0/missing.iso", e)).headers.get("x-mirrorhop-tier")).toBe("unknown-path");
    const health = (await (await call("_mirrorhop/health", e)).json()) as { status: string; kv: boolean; d1: boolean };
    expect(health).toMatchObject({ status: "degraded", kv: true, d1: false });
  });

  it("a hanging KV costs a bounded delay, not the download: D1 answers; both hanging: the origin", async () => {
    const viaD1 = await call(ISO, { ...env, INDEX: hangingKv(), MIRROR_TABLE_TTL_SECONDS: "0" } as Env);
    expect(viaD1.status).toBe(302);
    expect(viaD1.headers.get("location")).toBe("https://de1.test/pub/releases/1.0/foo.iso");
    const res = await call("releases/1.0/only-us.iso", { ...env, INDEX: hangingKv(), DB: hangingD1(), MIRROR_TABLE_TTL_SECONDS: "0" } as Env);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://origin.test/pub/releases/1.0/only-us.iso");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("storage-unavailable");
  }, 20_000);

  it("an outage is logged once per isolate and kind, not once per request", async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void logged.push(args.join(" ")));
    try {
      const e = { ...env, INDEX: failingKv() } as Env;
      for (let i = 0; i < 10; i++) expect((await call(`releases/1.0/only-us.iso?n=${i}`, e)).status).toBe(302);
    } finally {
      spy.mockRestore();
    }
    expect(logged.filter((l) => l.includes("KV file read failed")).length).toBeLessThanOrEqual(1);
    expect(logged.length).toBeLessThanOrEqual(3);
  });

  it("an isolate's cached table still naming a removed mirror sends nobody there: fresh records no longer name it", async () => {
    const e = { ...env, MIRROR_TABLE_TTL_SECONDS: "600" } as Env;
    expect((await call("releases/1.0/only-us.iso", e)).headers.get("x-mirrorhop-mirror")).toBe("us1");
    // The push removes us1: new records, new table; this isolate keeps its cached table (with us1) for 10 minutes.
    await seed(table([de, fr, at]), { ...FILES, "releases/1.0/only-us.iso": file([1]) });
    const cached = await getMirrorTable(e);
    expect(cached?.table.byId.has(3)).toBe(true);
    for (let i = 0; i < 20; i++) {
      const res = await call(`releases/1.0/only-us.iso?newmirror&i=${i}`, e);
      expect(res.headers.get("x-mirrorhop-mirror")).not.toBe("us1");
    }
  });

  it("a cached mirror table outlives a storage outage for a bounded time, then the origin takes over", async () => {
    const e = { ...env, MIRROR_TABLE_TTL_SECONDS: "60", INDEX: wrapKv(env.INDEX) } as Env;
    const t0 = 1_000_000;
    expect((await getMirrorTable(e, t0))?.source).toBe("kv");
    (e.INDEX as KvWithSwitch).broken = true;
    const broken = { ...e, DB: failingD1() } as Env;
    expect((await getMirrorTable(broken, t0 + 59_000))?.source).toBe("kv");
    expect((await getMirrorTable(broken, t0 + 61_000))?.source).toBe("stale");
    expect(await getMirrorTable(broken, t0 + 60_000 + 10 * 60_000 + 1)).toBeNull();
    (e.INDEX as KvWithSwitch).broken = false;
    expect((await getMirrorTable(broken, t0 + 60_000 + 10 * 60_000 + 2))?.source).toBe("kv");
  });
});

describe("explain and health", () => {
  beforeEach(async () => {
    await seed(table([de, fr, us, at], {}, "gen-42"), FILES);
  });

  it("explains every mirror's tier or exclusion and the winner", async () => {
    const res = await get(`_mirrorhop/explain/${ISO}?avoid=us`, { ...GERMAN, "x-debug-lat": "52.5", "x-debug-lon": "13.4" });
    expect(res.status).toBe(200);
    // Indented for the people who read it.
    expect(await res.clone().text()).toMatch(/^\{\n {2}"path": "releases\/1\.0\/foo\.iso",\n/);
    const body = (await res.json()) as Record<string, unknown> & {
      candidates: { name: string; tier: string; distanceKm?: number }[];
      excluded: { name: string; reason: string }[];
    };
    expect(body.client).toMatchObject({ country: "DE", continent: "EU", asn: 64500, ip: "198.51.100.7", lat: 52.5 });
    expect(body.target).toBe("mirror");
    expect(body.winner).toMatchObject({ name: "de1", tier: "country", rank: 1 });
    expect(body.location).toBe("https://de1.test/pub/releases/1.0/foo.iso");
    expect(body.candidates.map((c: { name: string }) => c.name)).toEqual(["de1", "fr1"]);
    expect(body.candidates[1]).toMatchObject({ tier: "region" });
    expect(body.candidates[1]!.distanceKm).toBeUndefined();
    const reasons = Object.fromEntries(body.excluded.map((e: { name: string; reason: string }) => [e.name, e.reason]));
    expect(reasons).toEqual({ us1: "client asked to avoid US", at1: "no https URL (never downgrade https to http)" });
    expect(body.table).toMatchObject({ generation: "gen-42", source: "kv", mirrors: 4 });
    expect(body.stickinessKey).toBe("4:198.51.100.0/24|releases/1.0");
  });

  it("explains origin decisions and unknown files", async () => {
    const small = (await (await get("_mirrorhop/explain/releases/1.0/tiny.txt", GERMAN)).json()) as Record<string, unknown>;
    expect(small).toMatchObject({ target: "origin", reason: "small-file", location: "https://origin.test/pub/releases/1.0/tiny.txt" });
    expect((await get("_mirrorhop/explain/nope.iso", GERMAN)).status).toBe(404);
    expect((await get("_mirrorhop/explain/a/../b", GERMAN)).status).toBe(404);
  });

  it("health reports both stores and the table", async () => {
    const res = await get("_mirrorhop/health");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", kv: true, d1: true, table: { source: "kv", generation: "gen-42", mirrors: 4 } });
  });

  it("unknown service paths are 404, never redirected", async () => {
    const res = await get("_mirrorhop/nothing");
    expect(res.status).toBe(404);
  });
});
