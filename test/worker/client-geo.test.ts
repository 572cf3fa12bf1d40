import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/env.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const ISO = "releases/1.0/foo.iso";
const de = mirror({ id: 1, name: "de1", country: "DE", continent: "EU" });
const fr = mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" });

beforeEach(async () => {
  await seed(table([de, fr]), { [ISO]: file([1, 2]) });
});

describe("client geo", () => {
  it("with DEBUG_HEADERS off (production), x-debug-* headers are ignored and the platform decides", async () => {
    const app = createApp();
    const req = new Request(`https://get.test/${ISO}`, {
      headers: { "x-debug-country": "FR", "x-debug-ip": "192.0.2.1" },
      cf: { country: "DE", continent: "EU" },
    } as RequestInit);
    const ctx = createExecutionContext();
    const res = await app.fetch(req, { ...env, DEBUG_HEADERS: "false" } as Env, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.headers.get("x-mirrorhop-mirror")).toBe("de1");
    const on = await app.fetch(req.clone(), { ...env, DEBUG_HEADERS: "true" } as Env, createExecutionContext());
    expect(on.headers.get("x-mirrorhop-mirror")).toBe("fr1");
  });

  it("unknown and Tor pseudo-countries are served from the world tier", async () => {
    for (const cc of ["XX", "T1"]) {
      const res = await SELF.fetch(`https://get.test/_mirrorhop/explain/${ISO}`, { headers: { "x-debug-country": cc } });
      const body = (await res.json()) as { client: { country?: string }; candidates: { tier: string }[] };
      expect(body.client.country).toBeUndefined();
      expect(body.candidates.every((c) => c.tier === "world")).toBe(true);
    }
  });

  it("?newmirror redraws among equals, while a plain request stays sticky", async () => {
    const names = new Set<string>();
    const sticky = new Set<string>();
    const h = { "x-debug-country": "IT", "x-debug-continent": "EU", "x-debug-ip": "203.0.113.5" };
    for (let i = 0; i < 40; i++) {
      names.add((await SELF.fetch(`https://get.test/${ISO}?newmirror`, { redirect: "manual", headers: h })).headers.get("x-mirrorhop-mirror")!);
      sticky.add((await SELF.fetch(`https://get.test/${ISO}`, { redirect: "manual", headers: h })).headers.get("x-mirrorhop-mirror")!);
    }
    expect(names).toEqual(new Set(["de1", "fr1"]));
    expect(sticky.size).toBe(1);
  });
});

describe("debug geo as a whole", () => {
  it("x-debug-country replaces the platform's continent, ASN and coordinates too", async () => {
    const res = await SELF.fetch(`https://get.test/_mirrorhop/explain/${ISO}`, {
      headers: { "x-debug-country": "BR" },
      cf: { country: "US", continent: "NA", asn: 7018, latitude: "30.27", longitude: "-97.74" },
    } as RequestInit);
    const body = (await res.json()) as { client: Record<string, unknown> };
    expect(body.client).toEqual({ country: "BR", continent: "SA" });
  });

  it("without debug geo headers the platform's geo is used whole", async () => {
    const res = await SELF.fetch(`https://get.test/_mirrorhop/explain/${ISO}`, {
      headers: { "x-debug-ip": "192.0.2.9" },
      cf: { country: "US", continent: "NA", asn: 7018, latitude: "30.27", longitude: "-97.74" },
    } as RequestInit);
    const body = (await res.json()) as { client: Record<string, unknown> };
    expect(body.client).toEqual({ ip: "192.0.2.9", country: "US", continent: "NA", asn: 7018, lat: 30.27, lon: -97.74 });
  });
});
