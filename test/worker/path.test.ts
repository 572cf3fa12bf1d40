import { describe, expect, it } from "vitest";
import { canonicalisePath, joinUrl } from "../../src/core/path.js";

const ok = (raw: string) => {
  const r = canonicalisePath(raw);
  if (!r.ok) throw new Error(`refused ${raw}: ${r.reason}`);
  return r.path;
};
const refused = (raw: string) => {
  const r = canonicalisePath(raw);
  return r.ok ? null : r.reason;
};

describe("canonicalisePath", () => {
  it("decodes percent-encoding once and keeps UTF-8 names", () => {
    expect(ok("/releases/1.0/foo.iso")).toBe("releases/1.0/foo.iso");
    expect(ok("/a%20b/caf%C3%A9.iso")).toBe("a b/café.iso");
    expect(ok("/home:user/x.rpm")).toBe("home:user/x.rpm");
    // Double encoding decodes once: "%252e%252e" names a file called "%2e%2e", not a parent.
    expect(ok("/a/%252e%252e/b")).toBe("a/%2e%2e/b");
    expect(ok("/dir/")).toBe("dir/");
  });

  it.each([
    ["/a/../b", /'\.\.' segment/],
    ["/a/%2e%2e/b", /'\.\.' segment/],
    ["/a/%2E%2E/b", /'\.\.' segment/],
    ["/a/./b", /'\.' or/],
    ["/a//b", /empty path segment/],
    ["//evil.example/x", /empty path segment/],
    ["/a%2fb", /encoded slash/],
    ["/a\\b", /backslash/],
    ["/a%5cb", /backslash/],
    ["/a%00b", /control character/],
    ["/a%0d%0aLocation:%20x", /control character/],
    ["/a%ZZ", /malformed percent-encoding/],
    ["/a%c3%28", /invalid UTF-8/],
    ["/" + "x".repeat(1025), /longer than 1024 bytes/],
    ["/" + "%C3%A9".repeat(600), /longer than 1024 bytes/],
    ["relative", /must start with/],
  ])("refuses %s", (raw, reason) => {
    expect(refused(raw)).toMatch(reason);
  });

  it("re-encodes index paths safely for Location", () => {
    expect(joinUrl("https://m.test/pub/", "a b/café#1?.iso")).toBe("https://m.test/pub/a%20b/caf%C3%A9%231%3F.iso");
  });
});

describe("path helpers", () => {
  it("the plain-ASCII fast path of encodePathForUrl matches the full encoding", async () => {
    const fc = (await import("fast-check")).default;
    const { encodePathForUrl: enc } = await import("../../src/core/path.js");
    const full = (p: string) =>
      p
        .split("/")
        .map((s) => encodeURIComponent(s).replace(/%3A/g, ":").replace(/%40/g, "@"))
        .join("/");
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."aZ09-_.!~*'()/:@ %+#?é&=".split("")) }), (p) => enc(p) === full(p)),
      { numRuns: 2000 },
    );
  });

  it("repositoryOf takes the first N directories, never the file name", async () => {
    const { repositoryOf } = await import("../../src/core/path.js");
    expect(repositoryOf("a/b/c/d.rpm", 2)).toBe("a/b");
    expect(repositoryOf("a/b/d.rpm", 2)).toBe("a/b");
    expect(repositoryOf("a/d.rpm", 2)).toBe("a");
    expect(repositoryOf("d.rpm", 2)).toBe("");
    expect(repositoryOf("a/b/c/d.rpm", 0)).toBe("");
    expect(repositoryOf("a/b/c/d.rpm", 5)).toBe("a/b/c");
  });
});
