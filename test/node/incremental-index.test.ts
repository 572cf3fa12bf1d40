/**
 * The incremental index (scripts/push/index-state.ts) against a full recomputation: over random
 * sequences of origin changes, mirror scans (whole tree or a subtree, synced, stale, failed, caught
 * lying), mirrors joining and leaving, time passing claims by, scan history cleared, the push
 * state edited by hand, pushes that land, pushes cut short and dry runs, the index the state keeps equals the one buildIndex computes from scratch, and after
 * each push that lands a full plan finds nothing left to write.
 */

import fc from "fast-check";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import { buildIndex } from "../../scripts/push/index-build.js";
import { fileDigest } from "../../scripts/push/file-digest.js";
import { refreshIndex, settleIndex } from "../../scripts/push/index-state.js";
import { buildPlan, type PushPlan } from "../../scripts/push/plan.js";
import { recordLanded } from "../../scripts/push/push.js";
import { StagedListing } from "../../scripts/scan/staging.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { isListed } from "../../src/core/dir-listing.js";
import { compilePathGlobs } from "../../src/core/policy.js";

const MAX_AGE = 3600;
const PATHS = [
  "top.txt",
  "a/one.iso",
  "a/two.iso",
  "a/b/deep.rpm",
  "a/b/c/deeper.rpm",
  "c/only.txt",
  "rel/16/early.iso",
  "debian/dists/stable/InRelease",
  "debian/dists/stable/main/binary-amd64/Packages",
  "debian/pool/main/h/hello.deb",
];
const SUBTREES = ["", "a", "a/b", "debian"];

const configOf = (mirrors: number[]) =>
  parseConfig(
    `[origin]\npath = "/srv/pub"\nurl = "https://get.example/pub/"\n[scan]\nmax_claim_age_seconds = ${MAX_AGE}\nmtime_tolerance_seconds = 1\n` +
      `[release]\nmin_mirrors = 2\nstaged = ["rel/**"]\n[[repository]]\nroot = "debian"\nkind = "apt"\n` +
      mirrors.map((id) => `[[mirror]]\nid = ${id}\nname = "m${id}"\nhttp = "http://m${id}.example/"\ncountry = "DE"\n`).join(""),
    path.join("/srv", "mirrorhop.toml"),
  );

type Op =
  | { kind: "origin"; path: number; size: number; gone: boolean }
  | { kind: "scan"; mirror: number; subtree: number; held: boolean[]; stale: boolean[]; outcome: "ok" | "failed" | "lied" }
  | { kind: "forget-scans"; mirror: number }
  | { kind: "edit-pushed"; path: number; ghost: boolean }
  | { kind: "mirrors"; set: number[] }
  | { kind: "time"; seconds: number }
  | { kind: "push"; landed: "whole" | "records-only" | "dry-run" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("origin" as const), path: fc.nat(PATHS.length - 1), size: fc.integer({ min: 1, max: 2 }), gone: fc.boolean() }),
  fc.record({
    kind: fc.constant("scan" as const),
    mirror: fc.integer({ min: 1, max: 3 }),
    subtree: fc.nat(SUBTREES.length - 1),
    held: fc.array(fc.boolean(), { minLength: PATHS.length, maxLength: PATHS.length }),
    stale: fc.array(fc.boolean(), { minLength: PATHS.length, maxLength: PATHS.length }),
    outcome: fc.constantFrom("ok" as const, "ok" as const, "ok" as const, "failed" as const, "lied" as const),
  }),
  fc.record({ kind: fc.constant("mirrors" as const), set: fc.subarray([1, 2, 3], { minLength: 1 }) }),
  // An operator clears a mirror's scan history.
  fc.record({ kind: fc.constant("forget-scans" as const), mirror: fc.integer({ min: 1, max: 3 }) }),
  // The push state edited by hand: a record forgotten, or one of a path the index never had.
  fc.record({ kind: fc.constant("edit-pushed" as const), path: fc.nat(PATHS.length - 1), ghost: fc.boolean() }),
  fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 1, max: 2 * MAX_AGE }) }),
  fc.record({ kind: fc.constant("push" as const), landed: fc.constantFrom("whole" as const, "whole" as const, "records-only" as const, "dry-run" as const) }),
);

const under = (p: string, subtree: string) => subtree === "" || p === subtree || p.startsWith(`${subtree}/`);

/** The origin as the origin scan writes it: a changed file gets a new size and hash and the time it changed. */
function originChange(db: StateDb, op: Extract<Op, { kind: "origin" }>, now: number) {
  const p = PATHS[op.path]!;
  if (op.gone) {
    db.prepare("DELETE FROM origin_files WHERE path = ?").run(p);
    return;
  }
  const size = 1000 * (op.path + 1) + op.size;
  db.prepare(
    `INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, sha256, sha512, changed_at) VALUES (?, ?, ?, '0', '0', ?, ?, ?)
     ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime, sha256 = excluded.sha256, sha512 = excluded.sha512, changed_at = excluded.changed_at`,
  ).run(p, size, now, size.toString(16).padStart(64, "0"), size.toString(16).padStart(128, "0"), now);
}

/** A mirror scan through the scanner's own staging and commit, recorded as the scanner records it. */
function scan(db: StateDb, op: Extract<Op, { kind: "scan" }>, mirrors: number[], now: number) {
  if (!mirrors.includes(op.mirror)) return;
  const subtree = SUBTREES[op.subtree]!;
  const ok = op.outcome === "ok";
  if (op.outcome !== "failed") {
    const listing = new StagedListing(db);
    const origin = db.prepare("SELECT size, mtime FROM origin_files WHERE path = ?");
    PATHS.forEach((p, i) => {
      if (!op.held[i] || !under(p, subtree)) return;
      const o = origin.get(p) as { size: number; mtime: number } | undefined;
      // A stale mirror lists what it synced before: another size.
      const size = o && !op.stale[i] ? o.size : 1000 * (i + 1);
      // Mirror 3's listings give no times (some HTML listings): a file rewritten at the same size looks the same there.
      listing.add(op.mirror === 3 ? { path: p, size, mtimeRes: 1 } : { path: p, size, mtime: o?.mtime ?? now, mtimeRes: 1 });
    });
    // Caught lying: none of its claims in the subtree count.
    if (op.outcome === "lied") listing.discard();
    listing.commit(op.mirror, subtree, now);
  }
  db.prepare("INSERT INTO mirror_scans (mirror_id, subtree, protocol, url, started_at, finished_at, ok, entries) VALUES (?, ?, 'http', 'x', ?, ?, ?, 0)").run(
    op.mirror,
    subtree,
    now,
    now,
    ok ? 1 : 0,
  );
}

/** The index rows buildIndex implies, as index_files holds them. */
function fullIndexRows(db: StateDb, mirrors: number[], now: number) {
  const config = configOf(mirrors);
  const gate = config.policy.release;
  const staged = compilePathGlobs(gate.staged);
  return buildIndex(db, config, now).files.map((f) => ({
    path: f.path,
    mirrors: f.record.mirrors.join(","),
    listed: isListed(f.path, f.record.mirrors.length, gate.minMirrors, staged) ? 1 : 0,
    digest: fileDigest(f),
  }));
}

const writes = (p: PushPlan) => ({
  kvPut: p.kvPut.map((x) => x.path),
  kvDelete: p.kvDelete.map((x) => x.key),
  packPut: p.packPut.map((x) => x.id),
  packDelete: p.packDelete.map((x) => x.id),
  dirPut: p.dirPut.map((x) => x.dir),
  dirDelete: p.dirDelete.map((x) => x.dir),
  stats: p.statsDigest !== null,
});

/** A push as push() makes it, landed whole, without a store. */
async function pushLanded(db: StateDb, mirrors: number[], now: number): Promise<void> {
  const index = refreshIndex(db, configOf(mirrors), now);
  recordLanded(db, await buildPlan(db, index, { generation: "g" }));
  settleIndex(db);
}

const keptHolders = (db: StateDb, path: string) =>
  (db.prepare("SELECT mirrors FROM index_files WHERE path = ?").get(path) as { mirrors: string } | undefined)?.mirrors;

/** A good scan of the whole tree by `mirror`, every file synced. */
const wholeScan = (mirror: number): Extract<Op, { kind: "scan" }> => ({
  kind: "scan",
  mirror,
  subtree: 0,
  held: PATHS.map(() => true),
  stale: PATHS.map(() => false),
  outcome: "ok",
});

describe("the incremental index", () => {
  it("equals a full recomputation after any sequence of scans, origin changes and pushes, and leaves a full plan nothing to write", async () => {
    let scopedWrites = 0;
    let scopedPushes = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
        const db = openState(":memory:");
        let now = 1_800_000_000;
        let mirrors = [1, 2, 3];
        try {
          // A network that was pushed once: every later push may plan only what changed.
          const start: Op[] = [
            ...PATHS.map((_, i) => ({ kind: "origin" as const, path: i, size: 1, gone: false })),
            ...[1, 2, 3].map(wholeScan),
            { kind: "push", landed: "whole" },
          ];
          for (const op of [...start, ...ops, { kind: "push", landed: "whole" } as const]) {
            now += 1;
            if (op.kind === "origin") originChange(db, op, now);
            else if (op.kind === "scan") scan(db, op, mirrors, now);
            else if (op.kind === "mirrors") mirrors = op.set;
            else if (op.kind === "forget-scans") db.prepare("DELETE FROM mirror_scans WHERE mirror_id = ?").run(op.mirror);
            else if (op.kind === "edit-pushed") {
              if (op.ghost) db.prepare("INSERT OR IGNORE INTO pushed_files (path, digest) VALUES (?, 'x')").run(`ghost/${op.path}`);
              else db.prepare("DELETE FROM pushed_files WHERE path = ?").run(PATHS[op.path]!);
            } else if (op.kind === "time") now += op.seconds;
            else {
              const config = configOf(mirrors);
              const index = refreshIndex(db, config, now);
              const plan = await buildPlan(db, index, { generation: "g", allowEmpty: true, maxDeleteFraction: 1 });
              if (index.scope) {
                scopedPushes++;
                if (plan.kvPut.length + plan.kvDelete.length + plan.dirPut.length + plan.dirDelete.length + plan.packPut.length > 0) scopedWrites++;
              }
              if (op.landed === "dry-run") continue;
              if (op.landed === "records-only") {
                // Cut short after the records: listings, deletions and packs never landed.
                recordLanded(db, { ...plan, dirPut: [], dirDelete: [], kvDelete: [], packPut: [], packDelete: [] });
                continue;
              }
              recordLanded(db, plan);
              settleIndex(db);
              const kept = db.prepare("SELECT path, mirrors, listed, digest FROM index_files ORDER BY path").all();
              expect(kept).toEqual(fullIndexRows(db, mirrors, now));
              const full = await buildPlan(db, buildIndex(db, config, now), { generation: "g", allowEmpty: true, maxDeleteFraction: 1 });
              expect(writes(full)).toEqual(
                writes({ ...full, kvPut: [], kvDelete: [], packPut: [], packDelete: [], dirPut: [], dirDelete: [], statsDigest: null }),
              );
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 200 },
    );
    console.log(`scoped pushes: ${scopedPushes}, of which wrote: ${scopedWrites}`);
    // The property says something only if the scoped plans were planned, and wrote.
    expect(scopedPushes).toBeGreaterThan(250);
    expect(scopedWrites).toBeGreaterThan(150);
  }, 120_000);

  it("a rescan that changes no row turns a claim true again: a file rewritten at the same size, on a mirror whose listing gives no times", async () => {
    const db = openState(":memory:");
    let now = 1_800_000_000;
    const rewrite = () => originChange(db, { kind: "origin", path: 1, size: 1, gone: false }, now);
    const rescan = () => scan(db, wholeScan(3), [3], now);
    const pushed = async () => {
      await pushLanded(db, [3], now++);
      return keptHolders(db, PATHS[1]!);
    };
    rewrite();
    now++;
    rescan();
    expect(await pushed()).toBe("3");
    rewrite();
    // The origin's new version is not the one the mirror was seen with.
    expect(await pushed()).toBe("");
    now++;
    const before = db.prepare("SELECT * FROM mirror_files ORDER BY path").all();
    rescan();
    // The rescan wrote no row at all: nothing for the triggers to note.
    expect(db.prepare("SELECT * FROM mirror_files ORDER BY path").all()).toEqual(before);
    expect(db.prepare("SELECT count(*) AS n FROM dirty_paths").get()).toEqual({ n: 0 });
    // No row changed, yet a scan since the rewrite saw the file at its size.
    expect(await pushed()).toBe("3");
    db.close();
  });

  it("a mirror whose scan history is cleared holds what its rows alone still vouch for, until they grow older than the claim age", async () => {
    const db = openState(":memory:");
    let now = 1_800_000_000;
    originChange(db, { kind: "origin", path: 0, size: 1, gone: false }, now);
    const rescan = () => scan(db, wholeScan(1), [1], now);
    const pushed = async () => {
      await pushLanded(db, [1], now++);
      return [keptHolders(db, PATHS[0]!), keptHolders(db, PATHS[1]!)];
    };
    rescan();
    expect((await pushed())[0]).toBe("1");
    // Rescanned after the first row's first sighting grew older than the claim age: held through
    // the scan. The second file is new: its row is as recent as the scan.
    now += MAX_AGE + 10;
    originChange(db, { kind: "origin", path: 1, size: 1, gone: false }, now++);
    rescan();
    expect(await pushed()).toEqual(["1", "1"]);
    db.prepare("DELETE FROM mirror_scans").run();
    // No scan record: each row is as fresh as itself.
    expect(await pushed()).toEqual(["", "1"]);
    now += MAX_AGE + 10;
    expect(await pushed()).toEqual(["", ""]);
    db.close();
  });
});
