import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const FILES = {
  "releases/1.0/b.iso": file([1], { size: 2 * 1024 * 1024, mtime: 1_762_000_000 }),
  "releases/1.0/a file.iso": file([1], { size: 5000 }),
  "releases/1.0/sub/x.rpm": file([1]),
  "releases/2.0/c.iso": file([1]),
  "README.txt": file([], { size: 20 }),
};
const get = (p: string, headers: Record<string, string> = {}) => SELF.fetch(`https://get.test/${p}`, { redirect: "manual", headers });

describe("directory listings from the index", () => {
  beforeEach(async () => {
    await seed(table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })]), FILES);
  });

  it("JSON lists directories first, then files by name, with sizes and dates", async () => {
    const res = await get("releases/1.0/?json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      path: "/releases/1.0/",
      entries: [
        { name: "sub", type: "directory" },
        { name: "a file.iso", type: "file", size: 5000, mtime: "2025-10-09T08:53:20.000Z" },
        { name: "b.iso", type: "file", size: 2097152, mtime: "2025-11-01T12:26:40.000Z" },
      ],
    });
    expect(await (await get("", { accept: "application/json" })).json()).toEqual({
      path: "/",
      entries: [
        { name: "releases", type: "directory" },
        { name: "README.txt", type: "file", size: 20, mtime: "2025-10-09T08:53:20.000Z" },
      ],
    });
  });

  it("HTML like an autoindex, each file linked to its download and its mirror list", async () => {
    const res = await get("releases/1.0/");
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none';/);
    expect(res.headers.get("vary")).toBe("Accept");
    const html = await res.text();
    expect(html).toContain("<title>Index of /releases/1.0/</title>");
    expect(html).toContain('<a href="../">../</a>');
    expect(html).toContain('<a href="./sub/">sub/</a>');
    expect(html).toContain('<a href="./a%20file.iso">a file.iso</a>');
    expect(html).toContain('<a class="mirrors" href="./b.iso.mirrorlist">mirrors</a>');
    expect(html).toContain('data-bytes="2097152">2.0 MiB<');
    expect(html.indexOf("sub/")).toBeLessThan(html.indexOf("a file.iso"));
  });

  it("a directory without its slash is redirected to it; an unknown path goes to the origin, an unknown directory is 404", async () => {
    const res = await get("releases/1.0?json");
    expect([res.status, res.headers.get("location")]).toEqual([301, "/releases/1.0/?json"]);
    expect((await get("releases/3.0")).headers.get("x-mirrorhop-tier")).toBe("unknown-path");
    expect((await get("nope/?json")).status).toBe(404);
  });

  it("is built from D1 when KV has no listing; the slash redirect asks KV alone", async () => {
    await seed(
      table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })]),
      { ...FILES, "releases0.txt": file([1]), "releases.iso": file([1]) },
      { kv: false },
    );
    const body = (await (await get("releases/?json")).json()) as { entries: { name: string }[] };
    // Neighbours in byte order ("releases.iso", "releases0.txt") stay out of the range.
    expect(body.entries.map((e) => e.name)).toEqual(["1.0", "2.0"]);
    expect((await get("releases/1.0/sub/?json")).status).toBe(200);
    expect((await get("releases/1.0")).headers.get("x-mirrorhop-tier")).toBe("unknown-path");
  });

  it("leaves a staged file out until enough mirrors hold it, from KV and from D1 alike", async () => {
    const t = table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" }), mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" })]);
    t.policy = { ...t.policy, release: { minMirrors: 2, minAgeSeconds: 0, staged: ["releases/3.0/*"] } };
    const staged = { "releases/3.0/early.iso": file([1]), "releases/3.0/ready.iso": file([1, 2]) };
    for (const kv of [true, false]) {
      await seed(t, { ...FILES, ...staged }, { kv });
      const body = (await (await get("releases/3.0/?json")).json()) as { entries: { name: string }[] };
      expect(
        body.entries.map((e) => e.name),
        kv ? "KV" : "D1",
      ).toEqual(["ready.iso"]);
      // And the file itself is refused, as the listing promised.
      expect((await get("releases/3.0/early.iso")).status).toBe(404);
    }
  });
});

describe("the D1 fallback's row cap", () => {
  it("says when a listing built from D1 is cut short, and lets nobody cache it; a complete one is cached", async () => {
    const { MAX_FALLBACK_ROWS } = await import("../../src/storage/listing-lookup.js");
    const { env } = await import("cloudflare:test");
    await seed(table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })]), FILES, { kv: false });
    // One row past the cap, in one directory, written as the push writes rows (chunked multi-row inserts).
    const n = MAX_FALLBACK_ROWS + 1;
    for (let i = 0; i < n; i += 500) {
      const rows = Array.from(
        { length: Math.min(500, n - i) },
        (_, j) => `('big/f${String(i + j).padStart(6, "0")}.rpm', 5000, 1762000000, 1762000000, X'01')`,
      );
      await env.DB.prepare(`INSERT INTO files (path, size, mtime, changed_at, mirrors) VALUES ${rows.join(", ")}`).run();
    }
    const big = await get("big/?json");
    expect(big.headers.get("cache-control")).toBe("private, no-store");
    const body = (await big.json()) as { truncated?: boolean; note?: string; entries: unknown[]; pages: number };
    expect(body.truncated).toBe(true);
    expect(body.note).toMatch(/partial listing: .* first 20,000 entries/);
    // Paged as the push would page it.
    expect([body.entries.length, body.pages]).toEqual([5000, MAX_FALLBACK_ROWS / 5000]);
    expect(await (await get("big/")).text()).toContain('<p class="note" role="status"><strong>partial listing');
    const small = await get("releases/1.0/?json");
    expect(small.headers.get("cache-control")).toBe("public, max-age=60");
    expect(((await small.json()) as { truncated?: boolean }).truncated).toBeUndefined();
  });

  it("from D1, reads the directory's children, not the files beneath them: a subdirectory of 30,000 files is one entry", async () => {
    const { env } = await import("cloudflare:test");
    await seed(table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })]), FILES, { kv: false });
    for (let i = 0; i < 30_000; i += 500) {
      const rows = Array.from({ length: 500 }, (_, j) => `('tree/sub/f${String(i + j).padStart(6, "0")}.rpm', 5000, 1762000000, 1762000000, X'01')`);
      await env.DB.prepare(`INSERT INTO files (path, size, mtime, changed_at, mirrors) VALUES ${rows.join(", ")}`).run();
    }
    await env.DB.prepare(
      `INSERT INTO files (path, size, mtime, changed_at, mirrors) VALUES ('tree/a.iso', 1, 1762000000, 1762000000, X'01'), ('tree/sub.iso', 2, 1762000000, 1762000000, X'01'), ('tree/sub-2/x', 3, 1762000000, 1762000000, X'01'), ('tree/z.iso', 4, 1762000000, 1762000000, X'01')`,
    ).run();
    const res = await get("tree/?json");
    const body = (await res.json()) as { truncated?: boolean; entries: { name: string; type: string }[] };
    expect(body.truncated).toBeUndefined();
    expect(body.entries.map((e) => `${e.name}${e.type === "directory" ? "/" : ""}`)).toEqual(["sub/", "sub-2/", "a.iso", "sub.iso", "z.iso"]);
    expect(res.headers.get("cache-control")).toBe("public, max-age=60");
  });

  it("a directory of more entries than a page is served in pages, each linking its neighbours", async () => {
    const { env } = await import("cloudflare:test");
    const { buildListings, listingPages } = await import("../../src/core/dir-listing.js");
    const { listingKey } = await import("../../src/core/file-record.js");
    await seed(table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })]), FILES);
    // The pages as the push writes them (seeding 12,001 file records as well would take a minute).
    const listing = buildListings(
      Array.from({ length: 12_001 }, (_, i) => ({ path: `huge/f${String(i).padStart(6, "0")}.rpm`, size: 5000, mtime: 1762000000 })),
    ).get("huge/")!;
    for (const [i, p] of listingPages(listing).entries()) await env.INDEX.put(await listingKey("huge/", i + 1), JSON.stringify(p));
    const page = async (q: string) =>
      (await get(`huge/${q}`)).json() as Promise<{ page: number; pages: number; prev?: string; next?: string; entries: { name: string }[] }>;
    const p1 = await page("?json");
    expect([p1.page, p1.pages, p1.entries.length, p1.prev, p1.next]).toEqual([1, 3, 5000, undefined, "./?page=2&json"]);
    const p3 = await page("?page=3&json");
    expect([p3.page, p3.entries.length, p3.entries.at(-1)!.name, p3.prev, p3.next]).toEqual([3, 2001, "f012000.rpm", "./?page=2&json", undefined]);
    const html = await (await get("huge/?page=2")).text();
    expect(html).toContain('Page 2 of 3 · <a rel="prev" href="./?page=1">previous</a> · <a rel="next" href="./?page=3">next</a>');
    expect(html.match(/<tr class="file">/g)).toHaveLength(5000);
    const missing = await get("huge/?page=4&json");
    expect([missing.status, await missing.json()]).toEqual([404, { error: "not found: /huge/ has no page 4" }]);
    for (const bad of ["0", "-1", "x", "1.5", "99999999"]) {
      const res = await get(`huge/?page=${bad}&json`);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^page must be a whole number from 1/);
    }
  });
});
