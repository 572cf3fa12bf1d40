/** One bad mirror in the table never takes the others out; the scanner's URLs never reach the edge. */

import { env, SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const good = mirror({ id: 1, name: "good", country: "DE", continent: "EU" });
const alsoGood = mirror({ id: 3, name: "fine", country: "FR", continent: "EU" });
const H = { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7" };

describe("the mirror table at the edge", () => {
  it("a mirror the validator refuses is left out and logged once; the others serve and health stays ok", async () => {
    await seed(table([good, alsoGood]), { "releases/a.iso": file([1, 2, 3]), "releases/b.iso": file([2]) });
    // As if an older push had written what today's validator refuses: credentials in a client URL, a bad country.
    const t = table([good, alsoGood]);
    const raw = {
      ...t,
      mirrors: [
        ...t.mirrors,
        { ...mirror({ id: 2, name: "creds", country: "DE", continent: "EU" }), urls: { https: "https://user:secret@creds.test/" } },
        { ...mirror({ id: 4, name: "nowhere", country: "de", continent: "EU" }) },
      ],
    };
    await env.INDEX.put(MIRROR_TABLE_KEY, JSON.stringify(raw));
    const logged: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void logged.push(a.join(" ")));
    try {
      for (let i = 0; i < 3; i++) {
        const res = await SELF.fetch("https://get.test/releases/a.iso", { redirect: "manual", headers: H });
        expect(res.headers.get("x-mirrorhop-mirror")).toBe("good");
      }
      // The only holder of b.iso was left out: the origin serves it.
      expect((await SELF.fetch("https://get.test/releases/b.iso", { redirect: "manual", headers: H })).headers.get("x-mirrorhop-tier")).toBe("no-mirror");
      const health = await SELF.fetch("https://get.test/_mirrorhop/health");
      expect(health.status).toBe(200);
    } finally {
      spy.mockRestore();
    }
    const lines = logged.filter((l) => l.includes("mirror table: left out"));
    expect(
      lines.filter((l) => l.includes("mirror creds")),
      lines.join("\n"),
    ).toHaveLength(1);
    expect(lines.some((l) => l.includes("credentials"))).toBe(true);
    expect(lines.some((l) => l.includes("mirror nowhere") && l.includes("country"))).toBe(true);
    expect(logged.join("\n")).not.toContain("secret");
  });
});
