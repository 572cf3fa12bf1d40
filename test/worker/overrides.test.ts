/** Client overrides change the ranking, never what a mirror's policy permits. */

import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { file, mirror, table } from "../helpers/fixtures.js";
import { decide, reasonFor } from "../helpers/select-helpers.js";
import { seed } from "./seed.js";

const noDE = mirror({ id: 1, name: "fr-nodeu", country: "FR", continent: "EU", denyCountries: ["DE"] });
const frOnly = mirror({ id: 2, name: "fr-allow", country: "FR", continent: "EU", allowCountries: ["FR"] });
const frConfined = mirror({ id: 3, name: "fr-local", country: "FR", continent: "EU", countryOnly: true });
const open = mirror({ id: 4, name: "nl-open", country: "NL", continent: "EU" });
const ALL = [noDE, frOnly, frConfined, open];
const GERMAN = { ip: "198.51.100.7", country: "DE", continent: "EU" };
const asFrench = { ip: "198.51.100.7", country: "FR", continent: "EU" };

describe("?country= against each restriction (pure selection)", () => {
  it("a German client playing French is still denied, not allowed, and outside the confinement", () => {
    const d = decide(ALL, file([1, 2, 3, 4]), asFrench, { platform: GERMAN });
    expect(d.ranked.map((r) => r.mirror.name)).toEqual(["nl-open"]);
    expect(reasonFor(d, "fr-nodeu")).toBe("client country DE is in the mirror's deny list");
    expect(reasonFor(d, "fr-allow")).toBe("client country DE not in the mirror's allow list");
    expect(reasonFor(d, "fr-local")).toBe("country_only (its country and extra_countries): client is in its region tier (as the platform locates it)");
  });

  it("the override still ranks: among what the platform's client may use, French mirrors come first", () => {
    const frOpen = mirror({ id: 5, name: "fr-open", country: "FR", continent: "EU" });
    const d = decide([...ALL, frOpen], file([1, 2, 3, 4, 5]), asFrench, { platform: GERMAN });
    expect(d.ranked.map((r) => [r.mirror.name, r.tier])).toEqual([
      ["fr-open", "country"],
      ["nl-open", "region"],
    ]);
  });

  it("a real French client is served by all of them", () => {
    const d = decide(ALL, file([1, 2, 3, 4]), asFrench);
    expect(d.ranked.map((r) => r.mirror.name).sort()).toEqual(["fr-allow", "fr-local", "fr-nodeu", "nl-open"]);
  });
});

describe("?country= through the Worker", () => {
  beforeEach(async () => {
    await seed(table(ALL), { "releases/a.iso": file([1, 2, 3]), "releases/b.iso": file([1, 2, 3, 4]) });
  });
  const get = (q: string, country: string) =>
    SELF.fetch(`https://get.test/releases/a.iso${q}`, { redirect: "manual", headers: { "x-debug-country": country, "x-debug-ip": "198.51.100.7" } });

  it("a German client asking ?country=fr for a file only restricted mirrors hold gets the origin", async () => {
    const res = await get("?country=fr", "DE");
    expect(res.headers.get("x-mirrorhop-mirror")).toBe("origin");
    expect(res.headers.get("x-mirrorhop-tier")).toBe("no-mirror");
    // The French client it pretends to be would have been served.
    expect((await get("", "FR")).headers.get("x-mirrorhop-mirror")).not.toBe("origin");
  });
});
