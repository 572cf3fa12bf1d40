import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { Env } from "../../src/env.js";
import { lookupFile } from "../../src/storage/file-lookup.js";
import { RecordCache } from "../../src/storage/record-cache.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { wrapKv } from "./broken-bindings.js";
import { seed } from "./seed.js";

describe("RecordCache", () => {
  it("expires entries after the TTL", () => {
    const c = new RecordCache(1000);
    c.set("a", file([1]), "kv", 0);
    expect(c.get("a", 999)?.record.mirrors).toEqual([1]);
    expect(c.get("a", 1000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it("evicts the least recently used entry beyond its bound", () => {
    const c = new RecordCache(1000, 2);
    c.set("a", file([1]), "kv", 0);
    c.set("b", file([2]), "kv", 0);
    c.get("a", 1);
    c.set("c", file([3]), "kv", 2);
    expect(c.get("b", 3)).toBeUndefined();
    expect(c.get("a", 3)).toBeDefined();
    expect(c.get("c", 3)).toBeDefined();
  });

  it("caches nothing with a TTL of 0", () => {
    const c = new RecordCache(0);
    c.set("a", file([1]), "kv", 0);
    expect(c.size).toBe(0);
  });
});

describe("lookupFile with the record cache", () => {
  beforeEach(async () => {
    await seed(table([mirror({ id: 1, name: "de", country: "DE", continent: "EU" })]), { "a/b.iso": file([1]) });
  });

  it("reads KV once per TTL for a hot file, and never caches a miss", async () => {
    const kv = wrapKv(env.INDEX);
    let reads = 0;
    const counting = { ...kv, get: (...a: unknown[]) => (reads++, (kv.get as (...x: unknown[]) => unknown)(...a)) } as unknown as KVNamespace;
    const e = { ...env, INDEX: counting, FILE_RECORD_TTL_SECONDS: "15" } as Env;
    expect((await lookupFile(e, "a/b.iso", 0)).kind).toBe("found");
    expect((await lookupFile(e, "a/b.iso", 14_999)).kind).toBe("found");
    expect(reads).toBe(1);
    expect((await lookupFile(e, "a/b.iso", 15_000)).kind).toBe("found");
    expect(reads).toBe(2);
    expect((await lookupFile(e, "a/new.iso", 0)).kind).toBe("missing");
    expect((await lookupFile(e, "a/new.iso", 1)).kind).toBe("missing");
    expect(reads).toBe(4);
  });
});

describe("the mirror table's isolate cache", () => {
  beforeEach(async () => {
    await seed(table([mirror({ id: 1, name: "de", country: "DE", continent: "EU" })]), {});
  });

  it("loads once when many requests arrive as it expires (single flight), then again after the TTL", async () => {
    const { getMirrorTable } = await import("../../src/storage/mirror-table.js");
    const keys: string[] = [];
    const real = env.INDEX;
    const counting = { get: (k: string, ...a: unknown[]) => (keys.push(k), (real.get as (...x: unknown[]) => unknown)(k, ...a)) } as unknown as KVNamespace;
    const e = { ...env, INDEX: counting, MIRROR_TABLE_TTL_SECONDS: "60" } as Env;
    const loaded = await Promise.all(Array.from({ length: 20 }, () => getMirrorTable(e, 0)));
    expect(new Set(loaded.map((l) => l?.table)).size).toBe(1);
    expect(keys.filter((k) => k === "mirrors")).toHaveLength(1);
    await Promise.all(Array.from({ length: 20 }, () => getMirrorTable(e, 60_000)));
    expect(keys.filter((k) => k === "mirrors")).toHaveLength(2);
  });
});
