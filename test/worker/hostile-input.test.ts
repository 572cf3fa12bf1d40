/**
 * Hostile request input through the real Worker: paths and queries built from the pieces scanners
 * and attackers use (percent-encoding, double encoding, %2f, dot segments, backslashes, NUL, CR/LF,
 * invalid UTF-8, look-alike slashes, //host and scheme tricks, over-long paths). Whatever arrives:
 * no 5xx; a redirect only to a mirror base URL or the origin joined with a path the index holds, or
 * to a same-site path (never "//host"); no header carries a line break; a 400 says what was wrong.
 */

import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { joinUrl } from "../../src/core/path.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const ORIGIN = "https://origin.test/pub/";
const MIRRORS = [
  mirror({ id: 1, name: "de", country: "DE", continent: "EU", urls: { http: "http://de.test/pub/", https: "https://de.test/pub/" } }),
  mirror({ id: 2, name: "fr", country: "FR", continent: "EU", urls: { https: "https://fr.test/m/" } }),
];
const INDEX = {
  "releases/1.0/a.iso": file([1, 2]),
  "releases/1.0/b c.iso": file([2]),
  "releases/1.0/café.iso": file([1]),
  "repo/repodata/repomd.xml": file([1, 2], { size: 3000 }),
};
const BASES = [ORIGIN, ...MIRRORS.flatMap((m) => Object.values(m.urls))];
const ALLOWED = new Set(Object.keys(INDEX).flatMap((p) => BASES.map((b) => joinUrl(b, p))));

const PIECES = [
  "releases",
  "1.0",
  "a.iso",
  "b%20c.iso",
  "caf%C3%A9.iso",
  "repo",
  "repodata",
  "repomd.xml",
  "x",
  "/",
  "//",
  ".",
  "..",
  "%2e",
  "%2E%2E",
  "%2f",
  "%2F",
  "%252f",
  "%252e%252e",
  "%5c",
  "\\",
  "%00",
  "%0d%0a",
  "%0A",
  "%c0%af",
  "%e0%80%af",
  "%ff",
  "%",
  "%G1",
  "%C3",
  "\u2215",
  "\u2044",
  "\uFF0F",
  "\u2024\u2024",
  "%E2%88%95",
  "//evil.example",
  "\\\\evil.example",
  "https:evil.example",
  "https://evil.example/",
  "@evil.example",
  "%40evil.example",
  ";",
  "?",
  "#",
  "%3f",
  "%23",
  "\u0130",
  "\u212A",
  "A".repeat(300),
];
const QUERIES = [
  "",
  "?country=de",
  "?avoid=de,fr",
  "?newmirror",
  "?country=%0d%0aSet-Cookie:x",
  "?country=../..",
  "?avoid=" + "x,".repeat(200),
  "?json",
  "?limit=-1",
  "?hours=1e9",
  "?only_hash",
  "?%00=%00",
];

const pathArb = fc
  .array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 })
  .chain((parts) =>
    fc.array(fc.constantFrom("/", ""), { minLength: parts.length, maxLength: parts.length }).map((seps) => parts.map((p, i) => seps[i] + p).join("")),
  );
const suffixArb = fc.constantFrom("", "", ".meta4", ".metalink", ".mirrorlist", ".sha256", ".md5", "/");
const prefixArb = fc.constantFrom("/", "/", "/_mirrorhop/explain/", "/_mirrorhop/", "//", "/\\");

function assertSane(res: Response, target: string) {
  expect(res.status, target).toBeLessThan(500);
  res.headers.forEach((v, k) => expect(/[\r\n]/.test(v) || /[\r\n]/.test(k), `${k} for ${target}`).toBe(false));
  const loc = res.headers.get("location");
  if (res.status >= 300 && res.status < 400) {
    expect(loc, target).not.toBeNull();
    if (res.status === 301) {
      // The only relative redirect: a directory without its slash. Same site, never "//host" or "/\host".
      expect(loc!, target).toMatch(/^\/(?![/\\])/);
    } else if (res.headers.get("x-mirrorhop-tier") === "unknown-path") {
      // A path the index does not know goes to the origin, joined with its canonical form: never
      // another host, never a dot segment or an empty one.
      expect(loc!.startsWith(ORIGIN), `${target} -> ${loc}`).toBe(true);
      expect(new URL(loc!).host, target).toBe("origin.test");
      expect(loc!.slice(ORIGIN.length), `${target} -> ${loc}`).not.toMatch(/(^|\/)(\.\.?)?(\/|$)/);
    } else {
      expect(ALLOWED.has(loc!), `${target} -> ${loc}`).toBe(true);
    }
  }
}

describe("hostile request input", () => {
  beforeAll(async () => {
    await seed(table(MIRRORS), INDEX);
  });

  it("never yields a 5xx, a foreign redirect or a broken header (fuzzed through the URL parser)", async () => {
    await fc.assert(
      fc.asyncProperty(prefixArb, pathArb, suffixArb, fc.constantFrom(...QUERIES), fc.boolean(), async (prefix, p, suffix, q, https) => {
        let url: string;
        try {
          url = new URL(`${https ? "https" : "http"}://get.test${prefix}${p}${suffix}${q}`).href;
        } catch {
          return;
        }
        // The URL must still be ours after parsing: "//evil" style input may move the host, which a real request line cannot.
        if (new URL(url).host !== "get.test") return;
        const res = await SELF.fetch(url, { redirect: "manual", headers: { "x-debug-country": "DE" } });
        assertSane(res, url);
        // A 400 says what was wrong in one readable line.
        if (res.status === 400) expect(await res.text(), url).toMatch(/^[^\r\n]{12,}\n?$/);
        else await res.arrayBuffer();
      }),
      { numRuns: 400 },
    );
  });

  it("refuses each kind of malformed path with a 400 that names it", async () => {
    const cases: [string, RegExp][] = [
      ["/releases/1.0%2fa.iso", /encoded slash/],
      ["/releases/%252f/a.iso", /./],
      ["/releases/1.0/%00a.iso", /control character/],
      ["/releases/1.0/a%0d%0aSet-Cookie:%20x.iso", /control character/],
      ["/releases/1.0/%ff.iso", /invalid UTF-8|malformed/],
      ["/releases/1.0/%c0%af.iso", /invalid UTF-8|malformed/],
      ["/releases/1.0/%E.iso", /malformed/],
      ["/releases/1.0/a%5c..%5cb.iso", /backslash/],
      // The URL parser resolves an encoded dot segment before the Worker runs: it can only name a path inside the tree.
      ["/releases/%2e%2e/etc/passwd", /^https:\/\/origin\.test\/pub\/etc\/passwd$/],
      [`/releases/${"x".repeat(1100)}.iso`, /longer than 1024 bytes/],
    ];
    for (const [target, reason] of cases) {
      const res = await SELF.fetch(`https://get.test${target}`, { redirect: "manual" });
      const body = await res.text();
      if (target.includes("%252f") || target.includes("%2e%2e")) {
        // Double encoding is not an encoded slash: it names a file "%2f" literally, which the index
        // does not hold, so the origin is asked (and answers 404 for what it lacks).
        expect(res.status, target).toBe(302);
        expect(res.headers.get("x-mirrorhop-tier"), target).toBe("unknown-path");
        expect(res.headers.get("location"), target).toMatch(reason);
        continue;
      }
      expect(res.status, target).toBe(400);
      expect(body, target).toMatch(reason);
    }
  });

  it("look-alike slashes and dots name ordinary (absent) files, never another directory", async () => {
    for (const p of ["/releases\u22151.0\u2215a.iso", "/releases/1.0\uFF0Fa.iso", "/releases/\u2024\u2024/1.0/a.iso"]) {
      const url = new URL(p, "https://get.test");
      const res = await SELF.fetch(url.href, { redirect: "manual" });
      expect(res.headers.get("x-mirrorhop-tier"), p).toBe("unknown-path");
      expect(res.headers.get("location"), p).toBe(ORIGIN + url.pathname.slice(1));
      await res.arrayBuffer();
    }
  });
});
