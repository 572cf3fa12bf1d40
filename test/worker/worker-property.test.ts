/**
 * Through the real Worker and local D1/KV: random indexes and random clients never produce a 5xx,
 * and every Location is a mirror base URL from the index or the origin, joined with an index path.
 */

import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { joinUrl } from "../../src/core/path.js";
import { table } from "../helpers/fixtures.js";
import { avoidArb, clientArb, fileArb, mirrorsArb, pathArb } from "../helpers/arbitraries.js";
import { seed } from "./seed.js";

const ORIGIN = "https://origin.test/pub/";

describe("Worker properties", () => {
  it("Location is always a known mirror or the origin, joined with the requested index path", async () => {
    await fc.assert(
      fc.asyncProperty(
        mirrorsArb.chain((ms) => fc.tuple(fc.constant(ms), fc.array(fc.tuple(pathArb, fileArb(ms.length * 3)), { minLength: 1, maxLength: 4 }))),
        fc.array(fc.tuple(clientArb, avoidArb, pathArb, fc.boolean()), { minLength: 1, maxLength: 8 }),
        async ([mirrors, files], requests) => {
          const index = Object.fromEntries(files);
          await seed(table(mirrors), index);
          for (const [c, avoid, path, https] of requests) {
            const headers: Record<string, string> = {};
            if (c.ip) headers["x-debug-ip"] = c.ip;
            if (c.country) headers["x-debug-country"] = c.country;
            if (c.continent) headers["x-debug-continent"] = c.continent;
            if (c.asn !== undefined) headers["x-debug-asn"] = String(c.asn);
            const q = avoid.length ? `?avoid=${avoid.join(",")}` : "";
            const res = await SELF.fetch(`${https ? "https" : "http"}://get.test/${path}${q}`, { redirect: "manual", headers });
            expect(res.status).toBeLessThan(500);
            if (!(path in index)) {
              // Unknown paths go to the origin, which answers 404 for what it lacks.
              expect(res.status).toBe(302);
              expect(res.headers.get("x-mirrorhop-tier")).toBe("unknown-path");
              expect(res.headers.get("location")).toBe(joinUrl(ORIGIN, path));
              continue;
            }
            expect(res.status).toBe(302);
            const loc = res.headers.get("location")!;
            const allowed = [ORIGIN, ...mirrors.flatMap((m) => [m.urls.http, m.urls.https].filter(Boolean) as string[])].map((b) => joinUrl(b, path));
            expect(allowed).toContain(loc);
            if (https) expect(loc.startsWith("https://")).toBe(true);
            const name = res.headers.get("x-mirrorhop-mirror");
            if (name !== "origin") expect(index[path]!.mirrors).toContain(mirrors.find((m) => m.name === name)!.id);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
