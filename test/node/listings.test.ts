/** Listing parsers against the formats real servers print, and the version-matching rule. */

import { describe, expect, it } from "vitest";
import { parseAutoindex } from "../../scripts/scan/autoindex.js";
import { TooManyLinks } from "../../scripts/scan/anchors.js";
import { parseListDate } from "../../scripts/scan/ftp.js";
import { unescapeRsync } from "../../scripts/scan/rsync.js";

const T = Date.UTC(2026, 10, 1, 12, 0) / 1000;

describe("HTML directory listings", () => {
  it("nginx autoindex", () => {
    const html = `<html><head><title>Index of /pub/</title></head><body><h1>Index of /pub/</h1><hr><pre><a href="../">../</a>
<a href="releases/">releases/</a>                                          01-Nov-2026 12:00                   -
<a href="big%20file.iso">big file.iso</a>                                      01-Nov-2026 12:00             4194304
<a href="caf%C3%A9.iso">café.iso</a>                                           01-Nov-2026 12:00                 100
</pre><hr></body></html>`;
    expect(parseAutoindex(html)).toEqual([
      { name: "releases", isDir: true, mtime: T, mtimeRes: 60 },
      { name: "big file.iso", isDir: false, mtime: T, mtimeRes: 60, size: 4194304 },
      { name: "café.iso", isDir: false, mtime: T, mtimeRes: 60, size: 100 },
    ]);
  });

  it("Apache mod_autoindex (fancy, rounded sizes)", () => {
    const html = `<table><tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th><th><a href="?C=S;O=A">Size</a></th></tr>
<tr><td valign="top"><img src="/icons/back.gif" alt="[PARENTDIR]"></td><td><a href="/pub/">Parent Directory</a></td><td>&nbsp;</td><td align="right">  - </td></tr>
<tr><td valign="top"><img src="/icons/folder.gif" alt="[DIR]"></td><td><a href="repo/">repo/</a></td><td align="right">2026-11-01 12:00  </td><td align="right">  - </td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="x.iso">x.iso</a></td><td align="right">2026-11-01 12:00  </td><td align="right">4.0M</td></tr>
<tr><td valign="top"><img src="/icons/unknown.gif" alt="[   ]"></td><td><a href="small.txt">small.txt</a></td><td align="right">2026-11-01 12:00  </td><td align="right">812 </td></tr></table>`;
    expect(parseAutoindex(html)).toEqual([
      { name: "repo", isDir: true, mtime: T, mtimeRes: 60 },
      { name: "x.iso", isDir: false, mtime: T, mtimeRes: 60, size: 4194304, approxSize: true },
      { name: "small.txt", isDir: false, mtime: T, mtimeRes: 60, size: 812 },
    ]);
  });

  it("lighttpd mod_dirlisting", () => {
    const html = `<table summary="Directory Listing"><tbody>
<tr class="d"><td class="n"><a href="../">Parent Directory</a>/</td><td class="m">&nbsp;</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>
<tr class="d"><td class="n"><a href="sub/">sub</a>/</td><td class="m">2026-Nov-01 12:00:05</td><td class="s">- &nbsp;</td><td class="t">Directory</td></tr>
<tr><td class="n"><a href="a.iso">a.iso</a></td><td class="m">2026-Nov-01 12:00:05</td><td class="s">1.5K</td><td class="t">application/octet-stream</td></tr>
</tbody></table>`;
    expect(parseAutoindex(html)).toEqual([
      { name: "sub", isDir: true, mtime: T + 5, mtimeRes: 1 },
      { name: "a.iso", isDir: false, mtime: T + 5, mtimeRes: 1, size: 1536, approxSize: true },
    ]);
  });

  it("never yields a name outside the directory, whatever the HTML", () => {
    const evil = `<a href="../../etc/passwd">x</a><a href="/abs/">y</a><a href="http://other.example/z">z</a><a href="a/b.iso">deep</a><a href="%2e%2e/">dots</a><a href="?C=N">sort</a><a href=ok.iso>ok</a> 01-Nov-2026 12:00 5`;
    expect(parseAutoindex(evil).map((e) => e.name)).toEqual(["ok.iso"]);
  });
});

describe("hostile HTML listings", () => {
  const MiB = 1 << 20;
  const good = `<a href="ok.iso">ok.iso</a> 01-Nov-2026 12:00 5\n`;
  const fill = (unit: string) => unit.repeat(Math.ceil(MiB / unit.length));
  // Each was cubic or worse for a backtracking link regex: 11 KB of the first held a scan 20 s.
  const shapes: [string, string][] = [
    ["unclosed <a href=", fill("<a href=")],
    ["unclosed <a ", fill("<a ")],
    ["attributes without end", fill("<a x=y ")],
    ["hrefs with no '>'", fill('<a href="x" ')],
    ["an unclosed quote", `<a href="${fill("x")}`],
    ["tags inside values", fill(`<a title="<a href=" `)],
  ];

  it.each(shapes)("1 MiB of %s parses in one pass and keeps the links before it", (_, junk) => {
    expect(parseAutoindex(good + junk).map((e) => e.name)).toEqual(["ok.iso"]);
    // A tag that closes at last is one tag, as a browser reads it; whatever it yields is a direct child.
    for (const e of parseAutoindex(good + junk + good.replace("ok.iso", "after.iso"))) expect(e.name).not.toMatch(/\//);
  });

  it("tags that close are read as the HTML tokenizer reads them: quotes only open values", () => {
    const html = `<A HREF='a.iso' title="x > y">a</A> 01-Nov-2026 12:00 1\n<a title=it's href=b.iso>b</a> 01-Nov-2026 12:00 2\n<a data-x="href=evil.iso" href="c.iso">c</a> 01-Nov-2026 12:00 3\n`;
    expect(parseAutoindex(html).map((e) => [e.name, e.size])).toEqual([
      ["a.iso", 1],
      ["b.iso", 2],
      ["c.iso", 3],
    ]);
  });

  it("a page with more links than the cap is refused, not half read", () => {
    const page = Array.from({ length: 11 }, (_, i) => `<a href="f${i}">f${i}</a>`).join("\n");
    expect(parseAutoindex(page, 11)).toHaveLength(11);
    expect(() => parseAutoindex(page, 10)).toThrow(TooManyLinks);
  });
});

describe("other listings", () => {
  it("FTP LIST dates at their resolution", () => {
    const now = Date.UTC(2026, 10, 22);
    expect(parseListDate("Nov 01 12:00", now)).toEqual({ mtime: T, res: 60 });
    expect(parseListDate("Dec 24 08:00", now)).toEqual({ mtime: Date.UTC(2025, 11, 24, 8) / 1000, res: 60 });
    expect(parseListDate("Jan 05  2024", now)).toEqual({ mtime: Date.UTC(2024, 0, 5) / 1000, res: 86400 });
    expect(parseListDate("garbage", now)).toBeUndefined();
  });

  it("rsync's \\#ooo escapes decode to UTF-8 and control characters", () => {
    expect(unescapeRsync("caf\\#303\\#251.iso")).toBe("café.iso");
    expect(unescapeRsync("a\\#012b")).toBe("a\nb");
    expect(unescapeRsync("plain")).toBe("plain");
  });
});
