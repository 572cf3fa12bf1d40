/** The probe policy as pure functions: trace parsing, hysteresis, the probe budget, the health document, lag scope, metrics. */

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type HealthPolicy } from "../../src/core/policy.js";
import { prometheusText } from "../../src/formats/prometheus.js";
import { applyHealth, healthDocOf, HEALTH_KEY, parseHealthDoc } from "../../src/health/health-doc.js";
import { nextSchemeStatus } from "../../src/health/hysteresis.js";
import { applyProbeRound, probeTargets } from "../../src/health/round.js";
import { EMPTY_HEALTH, newSchemeStatus } from "../../src/health/state.js";
import { lagOf, parseTrace } from "../../src/health/trace.js";
import { type FetchText, probeTrace } from "../../src/health/probe.js";
import type { Env } from "../../src/env.js";
import { getMirrorTable } from "../../src/storage/mirror-table.js";
import { statusView } from "../../src/status/status-view.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { decide, reasonFor } from "../helpers/select-helpers.js";
import { seed } from "./seed.js";

const NOW = 1_800_000_000;
const health = (h: Partial<HealthPolicy>) => ({ ...DEFAULT_POLICY.health, traceFile: "TIME", ...h });

describe("trace files", () => {
  it("read Unix seconds, date(1) output and RFC 3339; refuse HTML, empty files and far futures", () => {
    expect(parseTrace("1799990000\n", NOW)).toBe(1_799_990_000);
    expect(parseTrace("Sat Jan 15 08:00:00 UTC 2027\nhost: origin\n", NOW)).toBe(Date.UTC(2027, 0, 15, 8) / 1000);
    expect(parseTrace("2027-01-15T08:00:00Z", NOW)).toBe(Date.UTC(2027, 0, 15, 8) / 1000);
    expect(parseTrace("<html><body>Welcome to nginx!</body></html>", NOW)).toBeNull();
    expect(parseTrace("", NOW)).toBeNull();
    expect(parseTrace(String(NOW + 400 * 86_400), NOW)).toBeNull();
    expect(parseTrace("Fri, 15 Jan 2027 08:00:00 +0100", NOW)).toBe(Date.UTC(2027, 0, 15, 7) / 1000);
    expect(parseTrace("2027-01-15 08:00:00+02:00", NOW)).toBe(Date.UTC(2027, 0, 15, 6) / 1000);
    // Without a zone the time would be read in the prober's own zone: the two probers could disagree.
    for (const zoneless of ["2027-01-15T08:00:00", "2027-01-15 08:00", "Sat Jan 15 08:00:00 2027", "January 15, 2027", "2027", "12/01/2026"]) {
      expect(parseTrace(zoneless, NOW), zoneless).toBeNull();
    }
    expect(lagOf(NOW, NOW - 600)).toBe(600);
    expect(lagOf(NOW - 600, NOW)).toBe(0);
    expect(lagOf(null, NOW)).toBeNull();
  });
});

describe("redirects in a probe", () => {
  const bases = ["http://m.test/pub/", "https://m.test/pub/"];
  const server =
    (routes: Record<string, { status: number; location?: string; text?: string }>): FetchText =>
    async (url) => {
      const r = routes[url];
      if (!r) return { status: 404, text: "" };
      return { status: r.status, text: r.text ?? "", location: r.location ?? null };
    };

  it("follows a redirect within the mirror's own base URLs, http to https included", async () => {
    const f = server({
      "http://m.test/pub/TIME": { status: 301, location: "https://m.test/pub/TIME" },
      "https://m.test/pub/TIME": { status: 200, text: "1799990000\n" },
    });
    expect(await probeTrace(f, "http://m.test/pub/TIME", 1000, () => NOW * 1000, bases)).toMatchObject({ ok: true, traceAt: 1_799_990_000 });
    const relative = server({
      "http://m.test/pub/TIME": { status: 302, location: "/pub/trace/TIME" },
      "http://m.test/pub/trace/TIME": { status: 200, text: "1799990000" },
    });
    expect((await probeTrace(relative, "http://m.test/pub/TIME", 1000, () => NOW * 1000, bases)).ok).toBe(true);
  });

  it("a redirect elsewhere (the origin, another host, above the base) is a failure, whatever it leads to", async () => {
    for (const location of ["https://origin.test/pub/TIME", "http://m.test/other/TIME", "//evil.test/pub/TIME", "https://m.test.evil/pub/TIME"]) {
      const f = server({
        "http://m.test/pub/TIME": { status: 302, location },
        [new URL(location, "http://m.test/pub/TIME").href]: { status: 200, text: "1799990000" },
      });
      const p = await probeTrace(f, "http://m.test/pub/TIME", 1000, () => NOW * 1000, bases);
      expect(p.ok, location).toBe(false);
      expect(p.error, location).toMatch(/leaves the mirror's base URLs/);
    }
    const loop = server({
      "http://m.test/pub/TIME": { status: 302, location: "http://m.test/pub/A" },
      "http://m.test/pub/A": { status: 302, location: "http://m.test/pub/TIME" },
    });
    expect((await probeTrace(loop, "http://m.test/pub/TIME", 1000, () => NOW * 1000, bases)).error).toMatch(/more than 3 redirects/);
  });
});

describe("hysteresis", () => {
  it("goes down after down_after consecutive failures and up after up_after consecutive successes", () => {
    const p = { downAfter: 3, upAfter: 2 };
    const fail = { ok: false, latencyMs: null, error: "refused" };
    const good = { ok: true, latencyMs: 5, error: null };
    let s = newSchemeStatus(1, "http");
    const trail: boolean[] = [];
    for (const [i, o] of [fail, fail, good, fail, fail, fail, good, fail, good, good].entries()) {
      s = nextSchemeStatus(s, o, p, NOW + i);
      trail.push(s.up);
    }
    expect(trail).toEqual([true, true, true, true, true, false, false, false, false, true]);
    expect(s.since).toBe(NOW + 9);
  });
});

describe("probe rounds", () => {
  const ms = [1, 2, 3].map((id) => mirror({ id, name: `m${id}`, country: "DE", continent: "EU", urls: { http: `http://m${id}.test/pub/` } }));
  const t = table(ms, { health: health({ maxProbesPerRun: 3 }) });

  it("take turns within the budget: the least recently probed first", () => {
    const first = probeTargets(t, EMPTY_HEALTH, 2);
    expect(first.map((x) => x.mirrorId)).toEqual([1, 2]);
    expect(first[0]!.url).toBe("http://m1.test/pub/TIME");
    const ok = { ok: true, latencyMs: 1, traceAt: NOW, error: null };
    const { next } = applyProbeRound(
      t,
      EMPTY_HEALTH,
      first.map((target) => ({ target, probe: ok })),
      NOW,
      NOW,
    );
    expect(probeTargets(t, next, 2).map((x) => x.mirrorId)).toEqual([3, 1]);
    expect(probeTargets(table(ms, { health: health({ traceFile: null }) }), EMPTY_HEALTH, 10)).toEqual([]);
  });

  it("keep the last trace when a probe fails, and call a mirror stalled when its trace stops moving behind the origin", () => {
    const tt = table(ms.slice(0, 1), { health: health({ stalledAfterSeconds: 3600 }) });
    const target = probeTargets(tt, EMPTY_HEALTH, 1)[0]!;
    let state = applyProbeRound(tt, EMPTY_HEALTH, [{ target, probe: { ok: true, latencyMs: 1, traceAt: NOW - 100, error: null } }], NOW - 100, NOW).next;
    expect(state.mirrors[0]).toMatchObject({ traceAt: NOW - 100, lagSeconds: 0, stalled: false });
    state = applyProbeRound(tt, state, [{ target, probe: { ok: false, latencyMs: null, traceAt: null, error: "x" } }], NOW + 1800, NOW + 1800).next;
    expect(state.mirrors[0]).toMatchObject({ traceAt: NOW - 100, lagSeconds: 1900, stalled: false });
    state = applyProbeRound(tt, state, [{ target, probe: { ok: true, latencyMs: 1, traceAt: NOW - 100, error: null } }], NOW + 7200, NOW + 7200).next;
    expect(state.mirrors[0]).toMatchObject({ lagSeconds: 7300, stalled: true });
  });
});

describe("the health document", () => {
  it("is validated, and merges probe results over the configuration without widening it", () => {
    expect(() => parseHealthDoc({ format: 2, mirrors: {} })).toThrow(/format 2/);
    expect(() => parseHealthDoc("down")).toThrow(/not an object/);
    const doc = parseHealthDoc({ format: 1, at: NOW, mirrors: { "1": { up: { http: false, ftp: true }, lag: 30, ipv6: false }, "2": { ipv4: false } } });
    expect(doc.mirrors["1"]).toEqual({ up: { http: false }, lag: 30, ipv6: false });
    const base = table([
      mirror({ id: 1, name: "a", country: "DE", continent: "EU" }),
      mirror({ id: 2, name: "b", country: "DE", continent: "EU", ipv4: false }),
    ]);
    const merged = applyHealth(base, doc);
    expect(merged.mirrors[0]).toMatchObject({ up: { http: false }, lagSeconds: 30, ipv4: true, ipv6: false });
    expect(merged.mirrors[1]).toMatchObject({ ipv4: false, ipv6: true });
    expect(healthDocOf({ ...EMPTY_HEALTH, schemes: [{ ...newSchemeStatus(1, "https"), up: false }] }, NOW).mirrors).toEqual({ "1": { up: { https: false } } });
  });

  it("excludes a mirror a family probe found unreachable, and a lagging one per lag scope", () => {
    const ms = [
      mirror({ id: 1, name: "a", country: "DE", continent: "EU", ipv6: false }),
      mirror({ id: 2, name: "b", country: "DE", continent: "EU", lagSeconds: 7200 }),
    ];
    // Default max lag is a day: two hours behind is still fine.
    const d6 = decide(ms, file([1, 2]), { ip: "2001:db8::1", country: "DE" });
    expect(reasonFor(d6, "a")).toBe("not reachable over IPv6");
    expect(reasonFor(d6, "b")).toBeUndefined();
    const policy = { health: health({ maxLagSeconds: 3600, lagScope: "mutable", mutablePatterns: ["*-current.iso"] }) };
    expect(reasonFor(decide(ms, file([2]), { country: "DE" }, { policy, path: "iso/x-1.0.iso" }), "b")).toBeUndefined();
    expect(reasonFor(decide(ms, file([2]), { country: "DE" }, { policy, path: "iso/x-current.iso" }), "b")).toBe(
      "7200 s behind the origin (max_lag_seconds 3600)",
    );
  });

  it("verdicts older than verdict_max_age_seconds are not applied: a stopped cron cannot keep a mirror down", async () => {
    const e = { ...(env as unknown as Env), MIRROR_TABLE_TTL_SECONDS: "0" };
    await seed(table([mirror({ id: 1, name: "a", country: "DE", continent: "EU" })]), {});
    const now = Math.floor(Date.now() / 1000);
    const down = (at: number) => JSON.stringify({ format: 1, at, originTrace: null, mirrors: { "1": { up: { https: false } } } });
    await e.INDEX.put(HEALTH_KEY, down(now - 600));
    expect((await getMirrorTable(e))!.table.mirrors[0]!.mirror.up).toEqual({ https: false });
    await e.INDEX.put(HEALTH_KEY, down(now - 3700));
    expect((await getMirrorTable(e))!.table.mirrors[0]!.mirror.up).toEqual({});
    // 0 turns the expiry off, for networks that probe rarely from CI.
    const t = table([mirror({ id: 1, name: "a", country: "DE", continent: "EU" })], { health: health({ verdictMaxAgeSeconds: 0 }) });
    expect(applyHealth(t, parseHealthDoc(JSON.parse(down(now - 86_400))), now).mirrors[0]!.up).toEqual({ https: false });
  });

  it("a broken health document leaves the table usable, every mirror counted up", async () => {
    const e = env as unknown as Env;
    await seed(table([mirror({ id: 1, name: "a", country: "DE", continent: "EU" })]), {});
    await e.INDEX.put(HEALTH_KEY, "{not json");
    const loaded = await getMirrorTable({ ...e, MIRROR_TABLE_TTL_SECONDS: "0" });
    expect(loaded?.source).toBe("kv");
    expect(loaded!.table.mirrors[0]!.mirror.up).toEqual({});
  });
});

describe("metrics", () => {
  it("escape label values and leave unknown values out", () => {
    const m = { ...mirror({ id: 1, name: 'we"ird', country: "DE", continent: "EU", urls: { http: "http://x/" } }), filesHeld: 5, lastScanAt: null };
    const v = statusView({
      now: NOW,
      generation: "g",
      policy: { ...DEFAULT_POLICY, health: health({}) },
      mirrors: [m],
      health: { schemes: [{ ...newSchemeStatus(1, "http"), up: false, checkedAt: NOW }], mirrors: [], originTrace: null },
      fileCount: 10,
      probedAt: NOW,
      history: [],
      window: { from: NOW - 3600, to: NOW },
    });
    const text = prometheusText(v);
    expect(text).toContain('mirrorhop_mirror_up{mirror="we\\"ird",scheme="http"} 0');
    expect(text).toContain('mirrorhop_mirror_coverage_ratio{mirror="we\\"ird"} 0.5');
    expect(text).not.toContain("mirrorhop_mirror_lag_seconds{");
    expect(text).not.toMatch(/^mirrorhop_origin_trace_timestamp_seconds /m);
  });
});

describe("expired claims on the status page", () => {
  it("a mirror without a successful scan within scan.max_claim_age_seconds is said to hold nothing, and why", async () => {
    const { statusPageHtml } = await import("../../src/formats/status-page.js");
    const at = (name: string, id: number, lastScanAt: number) => ({
      ...mirror({ id, name, country: "DE", continent: "EU", urls: { http: `http://${name}/` } }),
      filesHeld: 0,
      lastScanAt,
    });
    const v = statusView({
      now: NOW,
      generation: "g",
      policy: { ...DEFAULT_POLICY, claimMaxAgeSeconds: 7 * 86_400, health: health({}) },
      mirrors: [at("old", 1, NOW - 8 * 86_400), at("fresh", 2, NOW - 3600)],
      health: EMPTY_HEALTH,
      fileCount: 10,
      probedAt: NOW,
      history: [],
      window: { from: NOW - 3600, to: NOW },
    });
    expect(v.mirrors.map((m) => [m.name, m.claimsExpired])).toEqual([
      ["old", true],
      ["fresh", false],
    ]);
    const html = statusPageHtml(v);
    expect(html).toMatch(/<tr data-mirror="old"[^]*?holds nothing: no successful scan for 8 d \(scan\.max_claim_age_seconds\)[^]*?<\/tr>/);
    expect(html).not.toMatch(/<tr data-mirror="fresh"[^]*?holds nothing[^]*?<\/tr>/);
  });
});
