import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const ISO = "releases/1.0/foo.iso";
const de = mirror({ id: 1, name: "de1", country: "DE", continent: "EU" });
const fr = mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" });
const us = mirror({ id: 3, name: "us1", country: "US", continent: "NA" });
const SHA512 = "44".repeat(64);
const PIECES = new Uint8Array(64).map((_, i) => i);
const H = { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7" };

const get = (p: string, headers: Record<string, string> = {}) => SELF.fetch(`https://get.test/${p}`, { redirect: "manual", headers: { ...H, ...headers } });

describe("derived documents", () => {
  beforeEach(async () => {
    await seed(
      table([de, fr, us]),
      {
        [ISO]: file([1, 2, 3]),
        "releases/1.0/lonely.iso": file([]),
        "releases/1.0/nohash.iso": { size: 5_000_000, mtime: 1, changed: 1, mirrors: [1] },
        "releases/1.0/real.iso": file([1]),
        "releases/1.0/real.iso.sha256": file([1], { size: 100 }),
        "dists/stable/Release": file([1, 2]),
      },
      { details: { [ISO]: { sha512: SHA512, pieceSize: 262144, pieces: PIECES } } },
    );
  });

  it(".meta4: name, size, every hash, pieces, mirrors in selection order with locations; the origin left out", async () => {
    const res = await get(`${ISO}.meta4`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/metalink4+xml; charset=utf-8");
    expect(res.headers.has("content-disposition")).toBe(false);
    const xml = await res.text();
    expect(xml).toContain('<file name="foo.iso">');
    expect(xml).toContain("<size>10485760</size>");
    expect(xml).toContain(`<hash type="md5">${"11".repeat(16)}</hash>`);
    expect(xml).toContain(`<hash type="sha-1">${"22".repeat(20)}</hash>`);
    expect(xml).toContain(`<hash type="sha-256">${"33".repeat(32)}</hash>`);
    expect(xml).toContain(`<hash type="sha-512">${SHA512}</hash>`);
    expect(xml).toContain('<pieces length="262144" type="sha-256">');
    expect(xml.match(/<pieces[^]*<\/pieces>/)![0].match(/<hash>/g)).toHaveLength(2);
    const urls = [...xml.matchAll(/<url( location="(\w+)")? priority="(\d+)">([^<]+)<\/url>/g)].map((m) => [m[2] ?? "", m[3], m[4]]);
    expect(urls).toEqual([
      ["de", "1", "https://de1.test/pub/releases/1.0/foo.iso"],
      ["fr", "2", "https://fr1.test/pub/releases/1.0/foo.iso"],
      ["us", "3", "https://us1.test/pub/releases/1.0/foo.iso"],
    ]);
    expect(xml).toContain('<origin dynamic="true">https://get.test/releases/1.0/foo.iso.meta4</origin>');
    expect(xml).toMatch(/<published>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/published>/);
    expect(xml).toContain("<generator>mirrorhop/");
  });

  it("?limit bounds the mirror URLs", async () => {
    const xml = await (await get(`${ISO}.meta4?limit=1`)).text();
    expect([...xml.matchAll(/<url[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual(["https://de1.test/pub/releases/1.0/foo.iso"]);
  });

  it("metalink_origin = true lists the origin last, after the mirrors, in both versions", async () => {
    await seed(table([de, fr, us], { metalinkOrigin: true }), { [ISO]: file([1, 2, 3]) });
    for (const doc of ["meta4", "metalink"]) {
      const urls = [...(await (await get(`${ISO}.${doc}`)).text()).matchAll(/<url[^>]*>([^<]+)</g)].map((m) => m[1]);
      expect(urls, doc).toEqual(["de1", "fr1", "us1"].map((n) => `https://${n}.test/pub/${ISO}`).concat(`https://origin.test/pub/${ISO}`));
    }
  });

  it("a negotiated Metalink that would name the origin alone is the plain redirect instead", async () => {
    const accept = { accept: "*/*, application/metalink+xml, application/metalink4+xml" };
    for (const p of ["releases/1.0/lonely.iso", "dists/stable/Release"]) {
      const res = await get(p, accept);
      expect([res.status, res.headers.get("location")], p).toEqual([302, `https://origin.test/pub/${p}`]);
      expect(res.headers.get("content-disposition"), p).toBeNull();
    }
  });

  it("a known file no mirror holds: the Metalink lists the origin alone; metadata likewise", async () => {
    for (const p of ["releases/1.0/lonely.iso", "dists/stable/Release"]) {
      const xml = await (await get(`${p}.meta4`)).text();
      expect([...xml.matchAll(/<url[^>]*>([^<]+)</g)].map((m) => m[1])).toEqual([`https://origin.test/pub/${p}`]);
    }
  });

  it("Accept: application/metalink4+xml on the file itself negotiates the Metalink, with a .meta4 file name", async () => {
    const res = await get(ISO, { accept: "*/*,application/metalink4+xml,application/metalink+xml" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="foo.iso.meta4"');
    expect(res.headers.get("vary")).toBe("Accept");
    expect(await res.text()).toContain('<file name="foo.iso">');
    const v3 = await get(ISO, { accept: "application/metalink+xml" });
    expect(v3.headers.get("content-disposition")).toBe('attachment; filename="foo.iso.metalink"');
    expect((await get(ISO, { accept: "text/html,*/*" })).status).toBe(302);
    // The .meta4 itself, asked for with the same Accept (as aria2c does), is the document, not a 404.
    const direct = await get(`${ISO}.meta4`, { accept: "*/*,application/metalink4+xml" });
    expect(direct.status).toBe(200);
    expect(direct.headers.has("content-disposition")).toBe(false);
  });

  it("a negotiated Metalink of a non-ASCII name carries it as RFC 6266 filename*, with an ASCII fallback", async () => {
    await seed(table([de, fr, us]), { 'releases/1.0/café "1".iso': file([1, 2]) });
    const res = await get("releases/1.0/caf%C3%A9%20%221%22.iso", { accept: "application/metalink4+xml" });
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="caf_ _1_.iso.meta4"; filename*=UTF-8''caf%C3%A9%20%221%22.iso.meta4`);
  });

  it(".metalink (v3): preference from 100 down, hash names without dashes, RFC 822 dates, type on every URL", async () => {
    const res = await get(`${ISO}.metalink`);
    expect(res.headers.get("content-type")).toBe("application/metalink+xml; charset=utf-8");
    const xml = await res.text();
    expect(xml).toContain('<metalink version="3.0" xmlns="http://www.metalinker.org/" type="dynamic"');
    expect(xml).toMatch(/pubdate="\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT"/);
    expect(xml).toContain(`<hash type="sha1">${"22".repeat(20)}</hash>`);
    expect(xml).toContain(`<hash type="sha512">${SHA512}</hash>`);
    expect([...xml.matchAll(/<url type="(\w+)"( location="(\w+)")? preference="(\d+)">/g)].map((m) => [m[1], m[3] ?? "", m[4]])).toEqual([
      ["https", "de", "100"],
      ["https", "fr", "99"],
      ["https", "us", "98"],
    ]);
  });

  it("checksum files in sha256sum format, ?only_hash, and 404 for an unknown hash", async () => {
    expect(await (await get(`${ISO}.sha256`)).text()).toBe(`${"33".repeat(32)}  foo.iso\n`);
    expect(await (await get(`${ISO}.sha1`)).text()).toBe(`${"22".repeat(20)}  foo.iso\n`);
    expect(await (await get(`${ISO}.md5`)).text()).toBe(`${"11".repeat(16)}  foo.iso\n`);
    expect(await (await get(`${ISO}.sha512`)).text()).toBe(`${SHA512}  foo.iso\n`);
    expect(await (await get(`${ISO}.sha256?only_hash`)).text()).toBe(`${"33".repeat(32)}\n`);
    const none = await get("releases/1.0/nohash.iso.sha256");
    expect([none.status, await none.text()]).toEqual([404, "no sha256 known for /releases/1.0/nohash.iso\n"]);
  });

  it("a file that really has the suffixed name is downloaded, not derived", async () => {
    const res = await get("releases/1.0/real.iso.sha256");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://origin.test/pub/releases/1.0/real.iso.sha256");
  });

  it("unknown files are 404 in the format asked for", async () => {
    const m = await get("nope.iso.meta4");
    expect([m.status, m.headers.get("content-type")]).toEqual([404, "application/xml; charset=utf-8"]);
    expect(await m.text()).toContain("<error>not found: /nope.iso</error>");
    expect((await get("nope.iso.sha256")).status).toBe(404);
  });

  it("Metalink data comes from D1 when KV has no detail record", async () => {
    await seed(table([de]), { [ISO]: file([1]) }, { kv: false, details: { [ISO]: { sha512: SHA512, pieceSize: 262144, pieces: PIECES } } });
    const xml = await (await get(`${ISO}.meta4`)).text();
    expect(xml).toContain(`<hash type="sha-512">${SHA512}</hash>`);
    expect(xml.match(/<pieces[^]*<\/pieces>/)![0].match(/<hash>/g)).toHaveLength(2);
  });

  it("a detail record of another version (a push still propagating) is never mixed in: no pieces, no SHA-512", async () => {
    // KV's detail key already holds the next version's hashes while the record is the old one.
    const next = { size: 10485760, sha256: "55".repeat(32) };
    await seed(table([de]), { [ISO]: file([1]) }, { details: { [ISO]: { version: next, sha512: SHA512, pieceSize: 262144, pieces: PIECES } } });
    const xml = await (await get(`${ISO}.meta4`)).text();
    expect(xml).toContain(`<hash type="sha-256">${"33".repeat(32)}</hash>`);
    expect(xml).not.toContain("<pieces");
    expect(xml).not.toContain("sha-512");
    expect((await get(`${ISO}.sha512`)).status).toBe(404);
    // The same size with another SHA-256, or the same SHA-256 with another size: neither matches.
    await seed(table([de]), { [ISO]: file([1]) }, { details: { [ISO]: { version: { size: 1, sha256: "33".repeat(32) }, sha512: SHA512 } } });
    expect(await (await get(`${ISO}.meta4`)).text()).not.toContain("sha-512");
    // Its own version's hashes are used.
    await seed(table([de]), { [ISO]: file([1]) }, { details: { [ISO]: { sha512: SHA512, pieceSize: 262144, pieces: PIECES } } });
    expect(await (await get(`${ISO}.meta4`)).text()).toContain("<pieces");
  });

  it("D1 holds the detail to the same rule: pieces written for another version are left out", async () => {
    await seed(
      table([de]),
      { [ISO]: file([1]) },
      { kv: false, details: { [ISO]: { version: { size: 10485760, sha256: "55".repeat(32) }, sha512: SHA512, pieceSize: 262144, pieces: PIECES } } },
    );
    const xml = await (await get(`${ISO}.meta4`)).text();
    expect(xml).toContain(`<hash type="sha-256">${"33".repeat(32)}</hash>`);
    expect(xml).not.toContain("<pieces");
  });

  it(".mirrorlist as JSON (?json or Accept): facts, hashes, mirrors by tier with the chosen one marked", async () => {
    const body = (await (await get(`${ISO}.mirrorlist?json`)).json()) as Record<string, unknown> & {
      mirrors: { name: string; tier: string; chosen: boolean }[];
    };
    expect(body).toMatchObject({ path: ISO, name: "foo.iso", size: 10485760, chosen: "de1", origin: "https://origin.test/pub/releases/1.0/foo.iso" });
    expect(body.hashes).toEqual({ md5: "11".repeat(16), sha1: "22".repeat(20), sha256: "33".repeat(32), sha512: SHA512 });
    expect(body.mirrors.map((m) => [m.name, m.tier, m.chosen])).toEqual([
      ["de1", "country", true],
      ["fr1", "region", false],
      ["us1", "world", false],
    ]);
    const viaAccept = await get(`${ISO}.mirrorlist`, { accept: "application/json" });
    expect(viaAccept.headers.get("content-type")).toMatch(/^application\/json/);
    const missing = await get("nope.iso.mirrorlist?json");
    expect([missing.status, await missing.json()]).toEqual([404, { error: "not found: /nope.iso" }]);
  });

  it(".mirrorlist as HTML: a page with size, hashes, document links and the chosen mirror", async () => {
    const res = await get(`${ISO}.mirrorlist`);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain("<title>Mirrors for foo.iso</title>");
    expect(html).toContain("10,485,760 bytes");
    expect(html).toContain(`<code>${SHA512}</code>`);
    expect(html).toContain('href="https://get.test/releases/1.0/foo.iso.meta4"');
    expect(html).toContain('href="https://get.test/releases/1.0/foo.iso.sha256"');
    expect(html).toMatch(/<li class="mirror chosen" data-mirror="de1">/);
    expect(html).not.toMatch(/<script|<link /);
  });
});
