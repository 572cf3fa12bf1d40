import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const ISO = "releases/1.0/foo.iso";

const de = mirror({ id: 1, name: "de1", country: "DE", continent: "EU" });
const fr = mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" });
const us = mirror({ id: 3, name: "us1", country: "US", continent: "NA" });

async function get(path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
  return SELF.fetch(`https://mirrors.test/${path}`, { redirect: "manual", headers, ...init });
}

describe("redirect", () => {
  beforeAll(async () => {
    await seed(table([de, fr, us]), { [ISO]: file([1, 2, 3]) });
  });

  it("sends a German client to the German mirror with the country tier", async () => {
    const res = await get(ISO, { "x-debug-country": "DE", "x-debug-ip": "192.0.2.7" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://de1.test/pub/releases/1.0/foo.iso");
    expect(res.headers.get("x-mirrorhop-mirror")).toBe("de1");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("country");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
  });
});
