/** `scan origin` on a live tree: what it cannot read is reported and skipped, and what the state knew of the rest stands. */

import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";

let dir: string;
let root: string;
let db: StateDb;
const rows = () => db.prepare("SELECT path, changed_at FROM origin_files ORDER BY path").all() as { path: string; changed_at: number }[];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-origin-"));
  root = path.join(dir, "tree");
  mkdirSync(path.join(root, "pub/sub"), { recursive: true });
  writeFileSync(path.join(root, "pub/a.iso"), "a".repeat(5000));
  writeFileSync(path.join(root, "pub/sub/b.iso"), "b".repeat(5000));
  db = openState(path.join(dir, "state.sqlite"));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("scan origin on a live tree", () => {
  it("a file rewritten in place is named, so the operator can rename instead", async () => {
    await scanOrigin(db, root, { threads: 1, now: 1000 });
    writeFileSync(path.join(root, "pub/a.iso"), "A".repeat(5000));
    writeFileSync(path.join(root, "pub/fresh.iso"), "f".repeat(5000));
    const r = await scanOrigin(db, root, { threads: 1, now: 2000 });
    expect([r.changed, r.rewritten]).toEqual([2, ["pub/a.iso"]]);
  });

  it("a name that is not UTF-8, or holds a control character, is skipped with its bytes; the rest is scanned", async () => {
    writeFileSync(Buffer.from(path.join(root, "pub/") + "caf\xe9.iso", "latin1"), "c".repeat(5000));
    writeFileSync(path.join(root, "pub/line\nbreak.iso"), "d".repeat(5000));
    const r = await scanOrigin(db, root, { threads: 1 });
    expect(rows().map((x) => x.path)).toEqual(["pub/a.iso", "pub/sub/b.iso"]);
    expect(r.skipped).toEqual([
      { path: "pub/café.iso", reason: "name is not UTF-8 (bytes 636166e92e69736f): no URL can name it" },
      { path: "pub/line\\nbreak.iso", reason: "name holds a control character: no URL can name it" },
    ]);
  });

  it("a file that vanishes while being hashed is reported; the others are saved, and what was known of it stands", async () => {
    await scanOrigin(db, root, { threads: 1, now: 1000 });
    writeFileSync(path.join(root, "pub/a.iso"), "A".repeat(6000));
    writeFileSync(path.join(root, "pub/new.iso"), "n".repeat(5000));
    const r = await scanOrigin(db, root, { threads: 1, now: 2000, beforeHash: () => unlinkSync(path.join(root, "pub/a.iso")) });
    expect(r.skipped.map((s) => s.path)).toEqual(["pub/a.iso"]);
    expect(r.rewritten).toEqual([]);
    expect(r.skipped[0]!.reason).toMatch(/^could not be hashed \(vanished or unreadable; what was known of it stands\): .*ENOENT/);
    expect(rows()).toEqual([
      { path: "pub/a.iso", changed_at: 1000 },
      { path: "pub/new.iso", changed_at: 2000 },
      { path: "pub/sub/b.iso", changed_at: 1000 },
    ]);
  });

  it("an unreadable directory is reported and its files keep their rows and change times", async () => {
    await scanOrigin(db, root, { threads: 1, now: 1000 });
    // Root reads every directory, so the refusal is played; the walk is the real one.
    const refusing = async (d: string) => {
      if (d.endsWith(`${path.sep}sub`)) throw Object.assign(new Error(`EACCES: permission denied, scandir '${d}'`), { code: "EACCES" });
      return readdir(d, { withFileTypes: true, encoding: "buffer" });
    };
    const r = await scanOrigin(db, root, { threads: 1, now: 2000, readDir: refusing });
    expect(r.skipped).toEqual([{ path: "pub/sub", reason: expect.stringMatching(/^cannot read directory \(what was known below it stands\): EACCES/) }]);
    expect(r.removed).toBe(0);
    expect(rows()).toEqual([
      { path: "pub/a.iso", changed_at: 1000 },
      { path: "pub/sub/b.iso", changed_at: 1000 },
    ]);
    // Readable again: nothing changed, nothing is reset.
    await scanOrigin(db, root, { threads: 1, now: 3000 });
    expect(rows().find((x) => x.path === "pub/sub/b.iso")!.changed_at).toBe(1000);
  });
});
