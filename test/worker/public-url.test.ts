/** The Worker's own absolute links: PUBLIC_URL when set, the request's scheme and Host otherwise. */

import { describe, expect, it } from "vitest";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

describe("PUBLIC_URL", () => {
  it("the Worker's own absolute links use it instead of the request's Host; a bad one is ignored", async () => {
    const { env, createExecutionContext, waitOnExecutionContext } = await import("cloudflare:test");
    const { createApp } = await import("../../src/app.js");
    const app = createApp();
    await seed(table([mirror({ id: 1, name: "de-fra", country: "DE", continent: "EU" })]), { "releases/a b.iso": file([1]) });
    const fetchWith = async (publicUrl: string | undefined, p: string) => {
      const ctx = createExecutionContext();
      const res = await app.fetch(
        new Request(`http://127.0.0.1/${p}`, { redirect: "manual", headers: { "x-debug-country": "DE" } }),
        { ...env, STATS_STORE: "off", ...(publicUrl !== undefined ? { PUBLIC_URL: publicUrl } : {}) } as never,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    // As wget2 sends it: no port in Host, so a link built from Host points elsewhere.
    expect((await fetchWith(undefined, "releases/a%20b.iso")).headers.get("link")).toContain("<http://127.0.0.1/releases/a%20b.iso.meta4>; rel=describedby");
    expect((await fetchWith("https://download.example.org", "releases/a%20b.iso")).headers.get("link")).toContain(
      "<https://download.example.org/releases/a%20b.iso.meta4>; rel=describedby",
    );
    const meta4 = await (await fetchWith("https://download.example.org/pub/", "releases/a%20b.iso.meta4")).text();
    expect(meta4).toContain("https://download.example.org/pub/releases/a%20b.iso.meta4");
    for (const bad of ["download.example.org", "ftp://x.example/", "https://x.example/?a=1"]) {
      expect((await fetchWith(bad, "releases/a%20b.iso")).headers.get("link"), bad).toContain("<http://127.0.0.1/releases/a%20b.iso.meta4>");
    }
  });
});
