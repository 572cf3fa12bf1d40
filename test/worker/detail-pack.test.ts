/**
 * Detail packs: a directory's SHA-512 and piece hashes in a few KV values (src/core/detail-pack.ts),
 * and the edge finding a file's in them, in a shard, in a directory split by another push, and
 * under the per-file key of a push from before packs.
 */

import { env, SELF } from "cloudflare:test";
import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import { encodeDetailPack, findInPack, PACK_TARGET_BYTES, packDirectory, packShardOf, readPackHeader } from "../../src/core/detail-pack.js";
import { encodeDetailRecord } from "../../src/core/detail-record.js";
import { detailKey, packKey } from "../../src/core/file-record.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { PackCache } from "../../src/storage/pack-cache.js";
import { seed } from "./seed.js";

const nameArb = fc.oneof(fc.stringMatching(/^[a-z0-9._-]{1,20}$/), fc.string({ unit: "grapheme", minLength: 1, maxLength: 8 }));

describe("the pack format", () => {
  test.prop(
    [
      fc.uniqueArray(fc.record({ name: nameArb, bytes: fc.integer({ min: 1, max: 60_000 }) }), { selector: (e) => e.name, minLength: 1, maxLength: 40 }),
      nameArb,
    ],
    { numRuns: 100 },
  )("each entry is found in the shard its name picks, every value says how the directory is split, and an absent name is absent", (specs, other) => {
    const entries = specs.map((s, i) => ({ name: s.name, record: new Uint8Array(s.bytes).fill(i % 251) }));
    const values = packDirectory(entries);
    const total = specs.reduce((n, s) => n + s.bytes, 0);
    expect(values.length).toBeGreaterThanOrEqual(Math.ceil(total / PACK_TARGET_BYTES));
    values.forEach((v, shard) => expect(readPackHeader(v)).toMatchObject({ shards: values.length, shard }));
    for (const e of entries) expect(findInPack(values[packShardOf(e.name, values.length)]!, e.name)).toEqual(e.record);
    if (!entries.some((e) => e.name === other)) expect(findInPack(values[packShardOf(other, values.length)]!, other)).toBeNull();
  });

  it("refuses a truncated pack or one of an unknown format, with what is wrong", () => {
    const v = encodeDetailPack(1, 0, [{ name: "a.iso", record: new Uint8Array(100) }]);
    expect(() => findInPack(v.subarray(0, 50), "b.iso")).toThrow(/detail pack truncated/);
    expect(() => findInPack(Uint8Array.of(9, 1, 0), "a.iso")).toThrow(/unknown detail pack format 9/);
    expect(() => readPackHeader(Uint8Array.of(1, 2, 2))).toThrow(/shard 2 of 2/);
  });
});

const de = mirror({ id: 1, name: "de1", country: "DE", continent: "EU" });
const get = (p: string) => SELF.fetch(`https://get.test/${p}`, { headers: { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7" } });
const sha512Of = (i: number) => (i + 16).toString(16).padStart(2, "0").repeat(64);
// 2,000 pieces (64 KB of hashes) each: a directory of ten is split in several values.
const piecesOf = (i: number) => new Uint8Array(2000 * 32).fill(i);
const sha256Of = (i: number) => (i + 64).toString(16).padStart(2, "0").repeat(32);

describe("the edge reads details from packs", () => {
  const names = Array.from({ length: 10 }, (_, i) => `big-${i}.iso`);
  const files = Object.fromEntries(names.map((n, i) => [`isos/${n}`, file([1], { sha256: sha256Of(i) })]));
  const details = Object.fromEntries(names.map((n, i) => [`isos/${n}`, { sha512: sha512Of(i), pieceSize: 4096, pieces: piecesOf(i) }]));

  it("finds every file's own hashes in a directory split in shards", async () => {
    await seed(table([de]), files, { details });
    // KV alone: D1 (the fallback while a push may be propagating) knows no SHA-512 or pieces.
    await env.DB.batch([env.DB.prepare("UPDATE files SET sha512 = NULL"), env.DB.prepare("DELETE FROM file_pieces")]);
    const head = await env.INDEX.get(await packKey("isos/"), "arrayBuffer");
    const { shards } = readPackHeader(new Uint8Array(head!));
    expect(shards).toBeGreaterThan(2);
    expect(names.filter((n) => packShardOf(n, shards) !== 0).length).toBeGreaterThan(0);
    for (const [i, n] of names.entries()) {
      const xml = await (await get(`isos/${n}.meta4`)).text();
      expect(xml, n).toContain(`<hash type="sha-512">${sha512Of(i)}</hash>`);
      expect(xml.match(/<pieces[^]*<\/pieces>/)![0].match(/<hash>/g)).toHaveLength(2000);
      expect(xml).toContain(`<hash>${i.toString(16).padStart(2, "0").repeat(32)}</hash>`);
    }
  });

  it("a shard written by a push that split the directory otherwise is not used: D1 answers", async () => {
    await seed(table([de]), files, { details });
    const head = new Uint8Array((await env.INDEX.get(await packKey("isos/"), "arrayBuffer"))!);
    const { shards } = readPackHeader(head);
    const n = names.find((x) => packShardOf(x, shards) !== 0)!;
    const i = names.indexOf(n);
    // The shard's key holds a value of a push that made one more shard, with a wrong SHA-512 for n.
    const stale = encodeDetailPack(shards + 1, packShardOf(n, shards), [
      { name: n, record: encodeDetailRecord({ version: { size: files[`isos/${n}`]!.size, sha256: sha256Of(i) }, sha512: "ff".repeat(64) }) },
    ]);
    await env.INDEX.put(await packKey("isos/", packShardOf(n, shards)), stale);
    const xml = await (await get(`isos/${n}.meta4`)).text();
    expect(xml).toContain(`<hash type="sha-512">${sha512Of(i)}</hash>`);
    expect(xml).not.toContain("ff".repeat(64));
  });

  it("a directory without a pack is looked up under the file's own detail key, as pushes before packs wrote it", async () => {
    await seed(table([de]), { "old/a.iso": file([1]) });
    await env.INDEX.put(await detailKey("old/a.iso"), encodeDetailRecord({ version: { size: file([]).size, sha256: file([]).sha256! }, sha512: sha512Of(3) }));
    expect(await (await get("old/a.iso.meta4")).text()).toContain(`<hash type="sha-512">${sha512Of(3)}</hash>`);
    expect(await (await get("old/a.iso.sha512")).text()).toContain(sha512Of(3));
  });
});

describe("the isolate's pack cache", () => {
  it("holds packs up to its bytes, least recently used out first, each for the records' TTL", () => {
    const c = new PackCache(15_000, 4_000);
    const pack = (n: number) => new Uint8Array(n);
    c.set("a", pack(1_500), 0);
    c.set("b", pack(1_500), 0);
    expect(c.get("a", 1)).toHaveLength(1_500);
    c.set("c", pack(1_500), 2);
    // "b" was the least recently used.
    expect([c.get("a", 3), c.get("b", 3), c.get("c", 3)].map((v) => v?.length)).toEqual([1_500, undefined, 1_500]);
    expect(c.size).toBe(3_000);
    expect(c.get("a", 15_000)).toBeUndefined();
    expect(c.size).toBe(1_500);
    // Larger than the whole budget: not kept. A TTL of 0: nothing kept.
    c.set("d", pack(5_000), 4);
    expect(c.get("d", 5)).toBeUndefined();
    const off = new PackCache(0);
    off.set("a", pack(10), 0);
    expect(off.get("a", 0)).toBeUndefined();
  });
});
