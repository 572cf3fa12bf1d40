/** The push plan's pure parts, over an in-memory state: what gets listed. */

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { DesiredIndex, IndexedFile } from "../../scripts/push/index-build.js";
import { buildPlan, EmptyIndexGuard } from "../../scripts/push/plan.js";
import { JSON_ARRAY, writeBulks } from "../../scripts/push/bulks.js";
import { bytesToHex, hexToBase64, hexToBytes } from "../../src/core/bytes.js";
import { lit } from "../../src/db/sql-literal.js";
import { openState } from "../../scripts/state/db.js";
import { DatabaseSync } from "node:sqlite";
import { findInPack, packShardOf, readPackHeader } from "../../src/core/detail-pack.js";
import { decodeDetailRecord } from "../../src/core/detail-record.js";
import { detailKey, fileKey, packKey } from "../../src/core/file-record.js";

const file = (path: string, mirrors: number[]) => ({
  path,
  record: { size: 10_000, mtime: 1_790_000_000, changed: 1_790_000_000, mirrors },
  sha512: null,
  pieceSize: null,
});

describe("push plan", () => {
  it("lists a staged file only once enough mirrors hold it, so no listing links a 404", async () => {
    const desired: DesiredIndex = {
      table: { format: 1, policy: { ...DEFAULT_POLICY, release: { minMirrors: 2, minAgeSeconds: 0, staged: ["releases/16.0/*"] } }, mirrors: [] },
      files: [file("releases/16.0/early.iso", [1]), file("releases/16.0/ready.iso", [1, 2]), file("releases/15.0/old.iso", [])],
    };
    const plan = await buildPlan(openState(":memory:"), desired, { generation: "g" });
    const names = (dir: string) => {
      const d = plan.dirPut.find((x) => x.dir === dir);
      return d ? (JSON.parse(d.value) as { entries: { name: string }[] }).entries.map((e) => e.name) : undefined;
    };
    expect(names("releases/16.0/")).toEqual(["ready.iso"]);
    // Not staged: listed whoever holds it (the origin serves it).
    expect(names("releases/15.0/")).toEqual(["old.iso"]);
    // The record is pushed all the same: the Worker's gate decides, and explains, per request.
    expect(plan.kvPut.map((p) => p.path)).toContain("releases/16.0/early.iso");
  });

  it("refuses to delete more than half of what was pushed (from 100 files on), unless told", async () => {
    const state = openState(":memory:");
    const seed = (n: number) => {
      state.exec("DELETE FROM pushed_files");
      const st = state.prepare("INSERT INTO pushed_files (path, digest) VALUES (?, 'x')");
      for (let i = 0; i < n; i++) st.run(`pub/f${i}.iso`);
    };
    const keeping = (n: number): DesiredIndex => ({
      table: { format: 1, policy: DEFAULT_POLICY, mirrors: [] },
      files: Array.from({ length: n }, (_, i) => file(`pub/f${i}.iso`, [])),
    });
    seed(200);
    await expect(buildPlan(state, keeping(99), { generation: "g" })).rejects.toThrow(
      new EmptyIndexGuard(
        "this push would delete 101 of the 200 files pushed before (51%), more than --max-delete 50%; refusing (scan origin again, or push --max-delete 100)",
      ),
    );
    expect((await buildPlan(state, keeping(100), { generation: "g" })).kvDelete.filter((d) => d.main)).toHaveLength(100);
    expect((await buildPlan(state, keeping(10), { generation: "g", maxDeleteFraction: 1 })).kvDelete.filter((d) => d.main)).toHaveLength(190);
    expect((await buildPlan(state, keeping(10), { generation: "g", allowEmpty: true })).kvDelete.filter((d) => d.main)).toHaveLength(190);
    await expect(buildPlan(state, keeping(10), { generation: "g", maxDeleteFraction: 0.9 })).rejects.toThrow(
      /delete 190 of the 200 .* \(95%\), more than --max-delete 90%/,
    );
    // A small tree may lose most of its files.
    seed(99);
    expect((await buildPlan(state, keeping(1), { generation: "g" })).kvDelete.filter((d) => d.main)).toHaveLength(98);
  });
});

describe("listing pages", () => {
  it("a big directory is stored in pages; a change rewrites only the pages it moves, and pages that are gone are deleted", async () => {
    const { LISTING_PAGE_ENTRIES } = await import("../../src/core/dir-listing.js");
    const { listingKey } = await import("../../src/core/file-record.js");
    const state = openState(":memory:");
    const files = (n: number, extra: string[] = []) => [
      ...Array.from({ length: n }, (_, i) => file(`big/f${String(i).padStart(6, "0")}.rpm`, [])),
      ...extra.map((p) => file(p, [])),
    ];
    const desired = (fs: ReturnType<typeof files>): DesiredIndex => ({ table: { format: 1, policy: DEFAULT_POLICY, mirrors: [] }, files: fs });
    // As the push records what it wrote.
    const record = (plan: Awaited<ReturnType<typeof buildPlan>>) => {
      for (const d of plan.dirPut)
        state.prepare("INSERT INTO pushed_dirs (dir, digest) VALUES (?, ?) ON CONFLICT(dir) DO UPDATE SET digest = excluded.digest").run(d.dir, d.digest);
      for (const d of plan.dirDelete) state.prepare("DELETE FROM pushed_dirs WHERE dir = ?").run(d.dir);
    };
    const n = 2 * LISTING_PAGE_ENTRIES + 1;
    const first = await buildPlan(state, desired(files(n)), { generation: "g" });
    const pages = first.dirPut.filter((d) => d.dir.startsWith("big/"));
    expect(pages.map((d) => d.dir)).toEqual(["big/", "big/:2", "big/:3"]);
    expect(pages.map((d) => d.key)).toEqual([await listingKey("big/"), `${await listingKey("big/")}:2`, `${await listingKey("big/")}:3`]);
    const parsed = pages.map((d) => JSON.parse(d.value) as { page: number; pages: number; entries: unknown[] });
    expect(parsed.map((p) => [p.page, p.pages, p.entries.length])).toEqual([
      [1, 3, LISTING_PAGE_ENTRIES],
      [2, 3, LISTING_PAGE_ENTRIES],
      [3, 3, 1],
    ]);
    record(first);
    // A file that sorts last changes only the last page (and the parent's listing not at all).
    const added = await buildPlan(state, desired(files(n, ["big/zz.rpm"])), { generation: "g" });
    expect(added.dirPut.map((d) => d.dir)).toEqual(["big/:3"]);
    record(added);
    // Back under two pages: the first two are rewritten (they no longer say "of 3") and the third deleted.
    const shrunk = await buildPlan(state, desired(files(LISTING_PAGE_ENTRIES + 10)), { generation: "g" });
    expect(shrunk.dirPut.map((d) => d.dir).sort()).toEqual(["big/", "big/:2"]);
    expect(shrunk.dirDelete).toEqual([{ dir: "big/:3", key: `${await listingKey("big/")}:3` }]);
  });

  it("a 400,000-entry directory (past one KV value's 25 MiB) is 80 pages of at most ~0.5 MB, which together hold the whole listing", async () => {
    const { buildListings, listingPages } = await import("../../src/core/dir-listing.js");
    const whole = buildListings(
      Array.from({ length: 400_000 }, (_, i) => ({
        path: `obs/home:user/f${String(i).padStart(7, "0")}-1.2.3-lp156.x86_64.rpm`,
        size: 123_456_789,
        mtime: 1_762_000_000 + i,
      })),
    ).get("obs/home:user/")!;
    expect(JSON.stringify(whole).length).toBeGreaterThan(25 * 1024 * 1024);
    const pages = listingPages(whole);
    expect(pages).toHaveLength(80);
    expect(Math.max(...pages.map((p) => JSON.stringify(p).length))).toBeLessThan(600_000);
    expect(pages.flatMap((p) => p.entries)).toEqual(whole.entries);
  });
});

describe("bulk files", () => {
  it("split by count and by bytes, in order, each a valid JSON array", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-bulk-"));
    try {
      const items = Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, value: "x".repeat(i === 5 ? 5000 : 1000) }));
      const bulks = await writeBulks(dir, "kv-put", items, (t) => JSON.stringify(t), JSON_ARRAY, 3, 2500);
      // 2 per file by bytes (each item ~1 KB, 2.5 KB per file); the 5 KB item alone; never more than 3.
      expect(bulks.map((b) => b.items.map((t) => t.key))).toEqual([["k0", "k1"], ["k2", "k3"], ["k4"], ["k5"], ["k6"]]);
      for (const b of bulks) expect(JSON.parse(readFileSync(b.file, "utf8"))).toEqual(b.items);
      expect((await writeBulks(dir, "kv-del", items, (t) => JSON.stringify(t.key), JSON_ARRAY, 3, 1e9)).map((b) => b.items.length)).toEqual([3, 3, 1]);
      expect(await writeBulks(dir, "none", [], (t) => String(t), JSON_ARRAY, 3, 1e9)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("hex and base64 of piece hashes", () => {
  it("agree with Node's own encoders, from 0 bytes to 100 KiB, and round-trip", () => {
    for (const n of [0, 1, 32, 8191, 8192, 8193, 100 * 1024]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 131 + 7) & 0xff);
      const hex = bytesToHex(bytes);
      expect(hex).toBe(Buffer.from(bytes).toString("hex"));
      expect(hexToBase64(hex)).toBe(Buffer.from(bytes).toString("base64"));
      expect(hexToBytes(hex)).toEqual(bytes);
    }
    expect(lit(new Uint8Array([0, 255, 16]))).toBe("X'00ff10'");
  });
});

describe("D1 statements", () => {
  it("deletions stay under D1's 100 KB statement limit however long the paths, and delete every path once", async () => {
    const { deleteFiles } = await import("../../scripts/push/sql.js");
    const paths = Array.from({ length: 500 }, (_, i) => `${"deep/".repeat(150)}f${i}-'quoted'.iso`);
    const st = deleteFiles(paths);
    for (const s of st) expect(Buffer.byteLength(s)).toBeLessThan(100_000);
    const listed = st
      .filter((s) => s.startsWith("DELETE FROM files"))
      .flatMap((s) => [...s.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replaceAll("''", "'")));
    expect(listed).toEqual(paths);
  });
});

describe("what a push costs", () => {
  it("warns above Workers Free's 1,000 KV writes or deletes a day, and not at 1,000", async () => {
    const { costLines } = await import("../../scripts/push/plan-cost.js");
    expect(costLines({ kvWrites: 1000, kvDeletes: 1000, d1Statements: 5 })).toEqual(["KV: 1000 writes, 1000 deletes; D1: 5 statements"]);
    const over = costLines({ kvWrites: 20_001, kvDeletes: 1001, d1Statements: 5 });
    expect(over).toHaveLength(3);
    expect(over[1]).toMatch(/^warning: 20001 KV writes is more than Workers Free allows in a day \(1,000\).*run it again the next day, it resumes/);
    expect(over[2]).toMatch(/^warning: 1001 KV deletes/);
  });
});

describe("detail packs in the push plan", () => {
  const hashed = (path: string, mirrors: number[], content = 1, pieces = false) => ({
    path,
    record: { size: 10_000, mtime: 1_790_000_000, changed: 1_790_000_000, sha256: content.toString(16).padStart(64, "0"), mirrors },
    sha512: content.toString(16).padStart(128, "0"),
    pieceSize: pieces ? 16 : null,
  });
  const desired = (files: IndexedFile[]): DesiredIndex => ({ table: { format: 1, policy: DEFAULT_POLICY, mirrors: [] }, files });
  // As the push records what landed.
  const record = (state: ReturnType<typeof openState>, plan: Awaited<ReturnType<typeof buildPlan>>) => {
    for (const p of plan.kvPut) state.prepare("INSERT OR REPLACE INTO pushed_files (path, digest, legacy_detail) VALUES (?, ?, 0)").run(p.path, p.digest);
    for (const d of plan.kvDelete.filter((x) => x.main)) state.prepare("DELETE FROM pushed_files WHERE path = ?").run(d.path);
    for (const p of plan.packPut) state.prepare("INSERT OR REPLACE INTO pushed_packs (id, digest) VALUES (?, ?)").run(p.id, p.digest);
    for (const p of plan.packDelete) state.prepare("DELETE FROM pushed_packs WHERE id = ?").run(p.id);
  };

  it("one pack per directory, rewritten when a file's content changes or a file goes, not when only its holders do", async () => {
    const state = openState(":memory:");
    const tree = [hashed("a/1.iso", [1]), hashed("a/2.iso", [1], 2), hashed("b/3.iso", [1], 3), file("c/nohash.iso", [1])];
    const first = await buildPlan(state, desired(tree), { generation: "g" });
    expect(first.kvPut).toHaveLength(4);
    expect(first.packPut.map((p) => p.key)).toEqual([await packKey("a/"), await packKey("b/")]);
    const a = first.packPut[0]!.value();
    expect(decodeDetailRecord(findInPack(a, "2.iso")!)).toMatchObject({ version: { sha256: "2".padStart(64, "0") }, sha512: "2".padStart(128, "0") });
    expect(findInPack(a, "3.iso")).toBeNull();
    record(state, first);

    const synced: IndexedFile[] = tree.map((f) => ({ ...f, record: { ...f.record, mirrors: [1, 2] } }));
    const holders = await buildPlan(state, desired(synced), { generation: "g" });
    expect([holders.kvPut.length, holders.packPut.length]).toEqual([4, 0]);
    record(state, holders);

    const changed = await buildPlan(state, desired([hashed("a/1.iso", [1, 2], 9), synced[1]!, synced[2]!, synced[3]!]), { generation: "g" });
    expect([changed.kvPut.map((p) => p.path), changed.packPut.map((p) => p.id)]).toEqual([["a/1.iso"], ["a/#0"]]);
    record(state, changed);

    const gone = await buildPlan(state, desired([hashed("a/1.iso", [1, 2], 9), synced[3]!]), { generation: "g", maxDeleteFraction: 1 });
    expect([gone.packPut.map((p) => p.id), gone.packDelete.map((p) => p.key)]).toEqual([["a/#0"], [await packKey("b/")]]);
    // Files pushed with packs have no detail key of their own to delete.
    expect(gone.kvDelete.map((d) => d.key)).toEqual([await fileKey("a/2.iso"), await fileKey("b/3.iso")]);
  });

  it("a directory over the pack size is split in shards, each file in the shard its name picks", async () => {
    const state = openState(":memory:");
    // 20 files of 10,000 bytes in 16-byte pieces: 625 pieces, ~20 KB of hashes each, ~400 KB in all.
    const tree = Array.from({ length: 20 }, (_, i) => hashed(`big/f${i}.iso`, [1], i + 1, true));
    const plan = await buildPlan(state, desired(tree), { generation: "g" });
    const shards = plan.packPut.length;
    expect(shards).toBeGreaterThanOrEqual(3);
    expect(plan.packPut.map((p) => p.key)).toEqual(await Promise.all(Array.from({ length: shards }, (_, k) => packKey("big/", k))));
    for (const [k, p] of plan.packPut.entries()) {
      const v = p.value();
      expect(readPackHeader(v)).toMatchObject({ shards, shard: k });
      for (const f of tree) expect(findInPack(v, f.path.slice(4)) !== null, f.path).toBe(packShardOf(f.path.slice(4), shards) === k);
    }
  });

  it("a state from before packs: its files keep their own detail key until they change or go, and every directory gets its pack", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-state-"));
    try {
      const file0 = path.join(dir, "state.sqlite");
      const old = new DatabaseSync(file0);
      old.exec("CREATE TABLE pushed_files (path TEXT PRIMARY KEY, digest TEXT NOT NULL) WITHOUT ROWID");
      old.close();
      const state = openState(file0);
      const tree = [hashed("a/1.iso", [1]), hashed("a/2.iso", [1], 2), hashed("b/3.iso", [1], 3)];
      // Pushed before, by the version without packs.
      const first = await buildPlan(openState(":memory:"), desired(tree), { generation: "g" });
      for (const p of first.kvPut) state.prepare("INSERT INTO pushed_files (path, digest) VALUES (?, ?)").run(p.path, p.digest);
      expect(state.prepare("SELECT DISTINCT legacy_detail AS l FROM pushed_files").all()).toEqual([{ l: 1 }]);

      const plan = await buildPlan(state, desired([tree[0]!, hashed("a/2.iso", [1], 7)]), { generation: "g", maxDeleteFraction: 1 });
      expect(plan.kvPut.map((p) => p.path)).toEqual(["a/2.iso"]);
      expect(plan.packPut.map((p) => p.id)).toEqual(["a/#0"]);
      expect(plan.kvDelete).toEqual([
        { path: "a/2.iso", key: await detailKey("a/2.iso"), main: false },
        { path: "b/3.iso", key: await detailKey("b/3.iso"), main: false },
        { path: "b/3.iso", key: await fileKey("b/3.iso"), main: true },
      ]);
      state.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
