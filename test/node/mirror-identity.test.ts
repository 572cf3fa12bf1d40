/** An id never changes meaning: the state drops scan results that belong to another mirror, claims expire, and the push refuses a reused id. */

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import { buildIndex } from "../../scripts/push/index-build.js";
import { checkMirrorIds, ID_DRAIN_SECONDS, MirrorIdError, recordRetiredIds } from "../../scripts/push/mirror-ids.js";
import { openState, type StateDb } from "../../scripts/state/db.js";

const NOW = 1_800_000_000;
let dir: string;
let db: StateDb;

const config = (mirrors: { id: number; name: string; http?: string }[], extra = "") =>
  parseConfig(
    `[origin]\npath = "/srv/pub"\nurl = "https://get.example/pub/"\n[scan]\n${extra}\n` +
      mirrors.map((m) => `[[mirror]]\nid = ${m.id}\nname = "${m.name}"\nhttp = "${m.http ?? `http://${m.name}.example/`}"\ncountry = "DE"\n`).join(""),
    path.join(dir, "mirrorhop.toml"),
  );

function seenBy(id: number, seenAt: number) {
  db.prepare("INSERT OR REPLACE INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at) VALUES (?, 'a.iso', 5000, 1000, 1, ?)").run(id, seenAt);
  db.prepare("INSERT INTO mirror_scans (mirror_id, subtree, protocol, url, started_at, finished_at, ok, entries) VALUES (?, '', 'http', 'x', ?, ?, 1, 1)").run(
    id,
    seenAt,
    seenAt,
  );
}
const holders = (c: ReturnType<typeof config>) => buildIndex(db, c, NOW).files.find((f) => f.path === "a.iso")!.record.mirrors;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-ids-"));
  db = openState(path.join(dir, "state.sqlite"));
  db.prepare("INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, changed_at) VALUES ('a.iso', 5000, 1000, '1000', '1', 900)").run();
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("scan results belong to a mirror, not to a number", () => {
  it("a new mirror given a retired id inherits nothing, even before its first scan succeeds", () => {
    seenBy(3, NOW - 60);
    expect(holders(config([{ id: 3, name: "old" }]))).toEqual([3]);
    const index = buildIndex(db, config([{ id: 3, name: "new" }]), NOW);
    expect(index.files[0]!.record.mirrors).toEqual([]);
    expect(index.notes).toEqual(["id 3 now names new (was old): the scan results of old are dropped"]);
    // And going back does not bring the old claims back: they are gone.
    expect(holders(config([{ id: 3, name: "old" }]))).toEqual([]);
  });

  it("a mirror with other URLs holds nothing until a scan sees it there; one that leaves leaves no rows", () => {
    seenBy(1, NOW - 60);
    seenBy(2, NOW - 60);
    expect(
      holders(
        config([
          { id: 1, name: "a" },
          { id: 2, name: "b" },
        ]),
      ),
    ).toEqual([1, 2]);
    expect(
      holders(
        config([
          { id: 1, name: "a", http: "http://moved.example/" },
          { id: 2, name: "b" },
        ]),
      ),
    ).toEqual([2]);
    buildIndex(db, config([{ id: 1, name: "a", http: "http://moved.example/" }]), NOW);
    expect(db.prepare("SELECT COUNT(*) AS n FROM mirror_files WHERE mirror_id = 2").get()).toEqual({ n: 0 });
  });

  it("claims expire: a mirror without a successful scan for scan.max_claim_age_seconds holds nothing", () => {
    seenBy(1, NOW - 8 * 86_400);
    seenBy(2, NOW - 6 * 86_400);
    const index = buildIndex(
      db,
      config([
        { id: 1, name: "a" },
        { id: 2, name: "b" },
      ]),
      NOW,
    );
    expect(index.files[0]!.record.mirrors).toEqual([2]);
    expect(index.notes).toEqual(["mirror a: no successful scan for 192 h (scan.max_claim_age_seconds 604800): it holds nothing until one succeeds"]);
    expect(
      holders(
        config(
          [
            { id: 1, name: "a" },
            { id: 2, name: "b" },
          ],
          "max_claim_age_seconds = 86400",
        ),
      ),
    ).toEqual([]);
  });
});

describe("the push never gives an id another meaning", () => {
  const pushed = (mirrors: { id: number; name: string }[]) =>
    db.prepare("INSERT OR REPLACE INTO pushed_meta (key, value) VALUES ('table', ?)").run(JSON.stringify({ format: 1, policy: {}, mirrors }));

  it("refuses a renamed or swapped id with how to do it instead", () => {
    pushed([
      { id: 1, name: "a" },
      { id: 2, name: "b" },
    ]);
    expect(() =>
      checkMirrorIds(
        db,
        [
          { id: 1, name: "a" },
          { id: 2, name: "b" },
          { id: 3, name: "c" },
        ],
        NOW,
      ),
    ).not.toThrow();
    expect(() =>
      checkMirrorIds(
        db,
        [
          { id: 1, name: "a" },
          { id: 2, name: "z" },
        ],
        NOW,
      ),
    ).toThrow(/mirror id 2 is z in the config but was b in the last push: .*remove b, push, and add z with id 2 at least 300 s later/);
    let err: Error | undefined;
    try {
      checkMirrorIds(
        db,
        [
          { id: 1, name: "b" },
          { id: 2, name: "a" },
        ],
        NOW,
      );
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(MirrorIdError);
    expect(err!.message.split("\n")).toHaveLength(2);
  });

  it("a retired id may mean another mirror only after the edge drained it; the same mirror may come back at once", () => {
    const before = new Map([
      [1, "a"],
      [2, "b"],
    ]);
    recordRetiredIds(db, before, [{ id: 1, name: "a" }], NOW);
    pushed([{ id: 1, name: "a" }]);
    expect(() =>
      checkMirrorIds(
        db,
        [
          { id: 1, name: "a" },
          { id: 2, name: "c" },
        ],
        NOW + 10,
      ),
    ).toThrow(/mirror id 2 meant b until 10 s ago: c may take it in 290 s/);
    expect(() =>
      checkMirrorIds(
        db,
        [
          { id: 1, name: "a" },
          { id: 2, name: "b" },
        ],
        NOW + 10,
      ),
    ).not.toThrow();
    expect(() =>
      checkMirrorIds(
        db,
        [
          { id: 1, name: "a" },
          { id: 2, name: "c" },
        ],
        NOW + ID_DRAIN_SECONDS,
      ),
    ).not.toThrow();
  });
});
