/**
 * The mirror table as the edge loads it: the packed format reads back as the object format does,
 * the fast paths of validation agree with the full checks (on workerd's own URL parser), and an
 * isolate reuses what it compiled while the texts in KV stay the same.
 */

import { env } from "cloudflare:test";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import { type Cidr, parseCidr, parseIp } from "../../src/core/ip.js";
import { isPlainMirrorUrl, type Mirror, mirrorUrlProblem } from "../../src/core/mirror.js";
import { encodeMirrorTable, packMirrorTable, readMirrorTable, TABLE_CHUNK } from "../../src/core/mirror-table.js";
import type { Env } from "../../src/env.js";
import { applyHealth, encodeHealthDoc, HEALTH_KEY, type HealthDoc } from "../../src/health/health-doc.js";
import { compileTable, withHealth } from "../../src/selection/compiled-table.js";
import { getMirrorTable } from "../../src/storage/mirror-table.js";
import { networkArb } from "../helpers/arbitraries.js";
import { mirror, table } from "../helpers/fixtures.js";

const viaJson = (x: unknown) => JSON.parse(JSON.stringify(x));

describe("the packed mirror table (format 2)", () => {
  test.prop([networkArb], { numRuns: 200 })("reads back as the same table the object format gives", (ms) => {
    const t = table(ms, { regions: { dach: ["DE", "AT"], nordics: ["SE"] } });
    const objects = readMirrorTable(viaJson(t));
    const packed = readMirrorTable(viaJson(packMirrorTable(t)));
    expect(packed.dropped).toEqual([]);
    expect(packed.table).toEqual(objects.table);
  });

  it("drops an entry that is not a packed mirror, and a mirror the validator refuses, with the reason; the others load", () => {
    const t = packMirrorTable(
      table([mirror({ id: 1, name: "good", country: "DE", continent: "EU" }), mirror({ id: 2, name: "bad", country: "de", continent: "EU" })]),
    );
    const json = viaJson(t);
    json.mirrors.push([3, "short"], { id: 4 }, null);
    const { table: read, dropped } = readMirrorTable(json);
    expect(read.mirrors.map((m) => m.name)).toEqual(["good"]);
    expect(dropped).toEqual([expect.stringMatching(/mirror bad: country must be/), ...Array(3).fill("a mirror entry is not a packed mirror")]);
  });

  it("refuses a table of an unknown format", () => {
    expect(() => readMirrorTable({ format: 3, mirrors: [] })).toThrow(/format 3 is not 1 or 2/);
  });
});

describe("validation's fast paths agree with the full checks", () => {
  const nearMisses = fc.constantFrom(
    "http://300.1.1.1/",
    "http://10.0.0.1/",
    "http://a.b:99999/",
    "http://a.b:8080/",
    "http://user@a.b/",
    "http://a.b/?q/",
    "http://a.b/#x/",
    "http://a.b/x",
    "https://a.b/pub/",
    "http://a..b/",
    "http://-a.b/",
    "http://a.b./",
    "http://[::1]/",
    "http://a.b/%zz/",
    "http://a.b/ä/",
    "http://a.0x10/",
    "http://a.1e/",
    "http:/a.b/",
    "http://a.b//",
    "http://A.B/p:q@r/",
    "ftp://a.b/",
    "http://a b/",
  );
  const urlArb = fc.oneof(
    nearMisses,
    fc.webUrl({ withQueryParameters: true, withFragments: true }).map((u) => (u.endsWith("/") ? u : `${u}/`)),
    fc.webUrl(),
  );
  test.prop([urlArb, fc.constantFrom("http", "https")], { numRuns: 2000 })("a URL the fast path accepts, workerd's URL parser accepts too", (url, scheme) => {
    if (isPlainMirrorUrl(url) && url.startsWith(`${scheme}://`)) expect(mirrorUrlProblem(scheme, url)).toBeNull();
  });

  /** parseCidr as it was before its character loop: the oracle. */
  function reference(text: string): Cidr | null {
    const [addr, bitsText, extra] = text.trim().split("/");
    if (extra !== undefined || addr === undefined) return null;
    const ip = parseIp(addr.includes(":") ? addr : /^((0|[1-9][0-9]{0,2})\.){3}(0|[1-9][0-9]{0,2})$/.test(addr) ? addr : "x");
    if (!ip) return null;
    const max = ip.family === 4 ? 32 : 128;
    const mappedShift = addr.includes(":") && ip.family === 4 ? 96 : 0;
    const bits = bitsText === undefined ? max : /^[0-9]{1,3}$/.test(bitsText) ? Number(bitsText) - mappedShift : NaN;
    if (!(bits >= 0 && bits <= max)) return null;
    return { family: ip.family, bytes: ip.bytes, bits };
  }
  const part = fc.oneof(fc.nat(300).map(String), fc.constantFrom("", "00", "01", "256", "1a", "-1", " 1"));
  const cidrText = fc.oneof(
    fc
      .tuple(part, part, part, part, fc.option(part, { nil: undefined }))
      .map(([a, b, c, d, bits]) => `${a}.${b}.${c}.${d}${bits === undefined ? "" : `/${bits}`}`),
    fc.constantFrom(
      "::ffff:10.0.0.0/104",
      "2001:db8::/32",
      "10.0.0.0/24/8",
      "/24",
      "10.0.0.0/",
      " 10.0.0.0/8 ",
      "10.0.0/8",
      "10.0.0.0.0/8",
      "::/0",
      "2001:db8::/129",
    ),
  );
  test.prop([cidrText], { numRuns: 3000 })("parseCidr decides as the split-and-regex version did", (text) => {
    expect(parseCidr(text)).toEqual(reference(text));
  });
});

describe("health applied to a compiled table", () => {
  const docArb = (ms: Mirror[]) =>
    fc
      .record({
        at: fc.constantFrom(1_000_000, 1_000_000 - 7 * 86_400),
        entries: fc.array(
          fc.record({
            up: fc.record({ http: fc.boolean(), https: fc.boolean() }, { requiredKeys: [] }),
            lag: fc.option(fc.nat(10_000), { nil: undefined }),
            ipv4: fc.constantFrom(undefined, false as const),
            ipv6: fc.constantFrom(undefined, false as const),
          }),
          { minLength: ms.length, maxLength: ms.length },
        ),
        present: fc.array(fc.boolean(), { minLength: ms.length, maxLength: ms.length }),
      })
      .map(
        ({ at, entries, present }): HealthDoc => ({
          format: 1,
          at,
          originTrace: null,
          mirrors: Object.fromEntries(ms.flatMap((m, i) => (present[i] ? [[String(m.id), viaJson(entries[i])]] : []))),
        }),
      );
  test.prop([networkArb.chain((ms) => fc.tuple(fc.constant(ms), docArb(ms)))], { numRuns: 200 })(
    "withHealth on the compiled table equals compiling the table applyHealth gives",
    ([ms, doc]) => {
      const t = table(ms, { health: { maxLagSeconds: 600 } as never });
      const viaCompiled = withHealth(compileTable(t), doc, 1_000_060);
      const viaTable = compileTable(applyHealth(t, doc, 1_000_060));
      expect(viaCompiled.mirrors).toEqual(viaTable.mirrors);
      expect([...viaCompiled.byId.keys()]).toEqual([...viaTable.byId.keys()]);
    },
  );
});

describe("an isolate's reloads", () => {
  const now = Date.UTC(2026, 11, 5);
  const healthAt = (at: number, httpsUp: boolean) => encodeHealthDoc({ format: 1, at, originTrace: null, mirrors: { "1": { up: { https: httpsUp } } } });
  const de = (name: string, weight = 100) => mirror({ id: 1, name, country: "DE", continent: "EU", weight });

  it("reuse the compiled table while both texts stay the same, and apply a new health document or one gone stale", async () => {
    const e = { ...env, MIRROR_TABLE_TTL_SECONDS: "0" } as Env;
    const maxAge = 3600;
    await env.INDEX.put(MIRROR_TABLE_KEY, encodeMirrorTable(table([de("de")], { health: { verdictMaxAgeSeconds: maxAge } as never })));
    await env.INDEX.put(HEALTH_KEY, healthAt(now / 1000, false));
    const first = (await getMirrorTable(e, now))!.table;
    expect(first.mirrors[0]!.mirror.up).toEqual({ https: false });
    // Same texts: the very same compiled table.
    expect((await getMirrorTable(e, now + 1000))!.table).toBe(first);
    // A new probe round: applied.
    await env.INDEX.put(HEALTH_KEY, healthAt(now / 1000 + 60, true));
    const second = (await getMirrorTable(e, now + 2000))!.table;
    expect(second.mirrors[0]!.mirror.up).toEqual({ https: true });
    // The same document, but past its maximum age: no longer applied, though its text did not change.
    await env.INDEX.put(HEALTH_KEY, healthAt(now / 1000 + 60, false));
    expect((await getMirrorTable(e, now + 3000))!.table.mirrors[0]!.mirror.up).toEqual({ https: false });
    expect((await getMirrorTable(e, now + 60_000 + (maxAge + 1) * 1000))!.table.mirrors[0]!.mirror.up).toEqual({});
    // A new table text: compiled anew.
    await env.INDEX.put(MIRROR_TABLE_KEY, encodeMirrorTable(table([de("de2")])));
    expect((await getMirrorTable(e, now + 60_000 + (maxAge + 2) * 1000))!.table.mirrors[0]!.mirror.name).toBe("de2");
  });

  it("after a push that changed one mirror, keep the compiled object of every mirror on another line", async () => {
    const e = { ...env, MIRROR_TABLE_TTL_SECONDS: "0" } as Env;
    const others = Array.from({ length: 150 }, (_, i) => mirror({ id: i + 2, name: `m${i + 2}`, country: "FR", continent: "EU", prefixes: ["10.0.0.0/8"] }));
    await env.INDEX.put(MIRROR_TABLE_KEY, encodeMirrorTable(table([...others, de("de")], {}, "g1")));
    // Later than the test above's loads: this binding's cache holds them.
    const at = now + 86_400_000;
    // Verdicts for every mirror: the reuse shown is of the health-applied objects, not only of the compiled ones.
    const verdicts = Object.fromEntries([1, ...others.map((m) => m.id)].map((id) => [id, { up: { https: false }, lag: id }]));
    await env.INDEX.put(HEALTH_KEY, encodeHealthDoc({ format: 1, at: at / 1000, originTrace: null, mirrors: verdicts }));
    const first = (await getMirrorTable(e, at))!.table;
    await env.INDEX.put(MIRROR_TABLE_KEY, encodeMirrorTable(table([...others, de("de", 7)], {}, "g2")));
    const second = (await getMirrorTable(e, at + 1000))!.table;
    expect(second.generation).toBe("g2");
    expect(second.byId.get(1)!.mirror).toMatchObject({ weight: 7, up: { https: false } });
    expect(second.byId.get(1)).not.toBe(first.byId.get(1));
    // `de` is on the third line, with the last 22 of the others: the first two lines are reused whole.
    for (const m of others.slice(0, 2 * TABLE_CHUNK)) {
      expect(second.byId.get(m.id)).toBe(first.byId.get(m.id));
      expect(second.byId.get(m.id)!.mirror).toMatchObject({ up: { https: false }, lagSeconds: m.id });
    }
    expect(second.byId.get(others.at(-1)!.id)).not.toBe(first.byId.get(others.at(-1)!.id));
  });
});
