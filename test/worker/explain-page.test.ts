/** Explain and errors in the format asked for: a page for a browser, JSON for ?json and scripts, text for curl. */

import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const BROWSER = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "x-debug-country": "DE" };
const get = (p: string, headers: Record<string, string> = {}) => SELF.fetch(`https://get.test/${p}`, { redirect: "manual", headers });

describe("explain and errors by what was asked for", () => {
  beforeEach(async () => {
    const ms = [
      mirror({ id: 1, name: "de-fra", country: "DE", continent: "EU" }),
      mirror({ id: 2, name: "jp-tyo", country: "JP", continent: "AS" }),
      mirror({ id: 3, name: "off", country: "DE", continent: "EU", enabled: false }),
    ];
    await seed(table(ms, { unknownPaths: "404" }), { "releases/a <b>.iso": file([1, 2, 3]) });
  });

  it("a browser gets explain as a page: the verdict, candidates best first, the mirrors left out and why", async () => {
    const res = await get("_mirrorhop/explain/releases/a%20%3Cb%3E.iso", BROWSER);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("vary")).toBe("Accept");
    const html = await res.text();
    expect(html).toContain("<h1>Explain /releases/a &lt;b&gt;.iso</h1>");
    expect(html).toMatch(/<p class="verdict" id="verdict">Sent to mirror <b>de-fra<\/b>: <a href="https:\/\/de-fra\.test\/pub\/releases\/a%20%3Cb%3E\.iso"/);
    expect(
      [...html.matchAll(/<tr(?: class="win")?><td>(\d)<\/td><th scope="row">([^<]+)<\/th><td>[A-Z]{2}<\/td><td>([a-z-]+)<\/td>/g)].map((m) => [
        m[1],
        m[2],
        m[3],
      ]),
    ).toEqual([
      ["1", "de-fra", "country"],
      ["2", "jp-tyo", "world"],
    ]);
    expect(html).toMatch(/<tr><th scope="row">off<\/th><td>DE<\/td><td>disabled<\/td><\/tr>/);
    // The same as JSON, indented, with ?json or for anything that does not ask for HTML.
    for (const r of [
      await get("_mirrorhop/explain/releases/a%20%3Cb%3E.iso?json", BROWSER),
      await get("_mirrorhop/explain/releases/a%20%3Cb%3E.iso", { "x-debug-country": "DE" }),
    ]) {
      expect(r.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const text = await r.text();
      expect(text.split("\n")[1]).toMatch(/^ {2}"path": /);
      expect(JSON.parse(text).winner.name).toBe("de-fra");
    }
  });

  it("a browser gets a 404 as a page with a way back into the tree; JSON and curl get theirs", async () => {
    const page = await get("releases/missing.iso", BROWSER);
    expect([page.status, page.headers.get("content-type"), page.headers.get("vary")]).toEqual([404, "text/html; charset=utf-8", "Accept"]);
    const html = await page.text();
    expect(html).toContain('<p class="msg" id="error">not found: /releases/missing.iso</p>');
    expect(html).toContain('<a href="/releases/" id="up">Index of /releases/</a>');
    const json = await get("releases/missing.iso", { accept: "application/json" });
    expect([json.status, await json.json()]).toEqual([404, { error: "not found: /releases/missing.iso" }]);
    const text = await get("releases/missing.iso");
    expect([text.headers.get("content-type"), await text.text()]).toEqual(["text/plain; charset=utf-8", "not found: /releases/missing.iso\n"]);
    const explained = await get("_mirrorhop/explain/releases/missing.iso", BROWSER);
    expect([explained.status, explained.headers.get("content-type")]).toEqual([404, "text/html; charset=utf-8"]);
    expect(await explained.text()).toContain("not in the index");
  });

  it("a browser's 404 links the nearest directory that has a listing, not a parent that does not exist", async () => {
    const up = async (p: string) => (await (await get(p, BROWSER)).text()).match(/<a href="([^"]*)" id="up">/)?.[1];
    expect(await up("releases/gone/deeper/missing.iso")).toBe("/releases/");
    expect(await up("releases/gone/deeper/")).toBe("/releases/");
    // Further than the few ancestors asked: the root.
    expect(await up("releases/a/b/c/d/e/missing.iso")).toBe("/");
    expect(await up("nowhere/missing.iso")).toBe("/");
  });
});
