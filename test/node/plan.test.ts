/** The push plan's pure parts, over an in-memory state: what gets listed. */

import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { DesiredIndex } from "../../scripts/push/index-build.js";
import { buildPlan, EmptyIndexGuard } from "../../scripts/push/plan.js";
import { openState } from "../../scripts/state/db.js";

const file = (path: string, mirrors: number[]) => ({ path, record: { size: 10_000, mtime: 1_790_000_000, changed: 1_790_000_000, mirrors }, sha512: null, pieceSize: null, pieces: null });

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
    expect(plan.kvPut.filter((p) => p.main).map((p) => p.path)).toContain("releases/16.0/early.iso");
  });

  it("refuses to delete more than half of what was pushed (from 100 files on), unless told", async () => {
    const state = openState(":memory:");
    const seed = (n: number) => {
      state.exec("DELETE FROM pushed_files");
      const st = state.prepare("INSERT INTO pushed_files (path, digest) VALUES (?, 'x')");
      for (let i = 0; i < n; i++) st.run(`pub/f${i}.iso`);
    };
    const keeping = (n: number): DesiredIndex => ({ table: { format: 1, policy: DEFAULT_POLICY, mirrors: [] }, files: Array.from({ length: n }, (_, i) => file(`pub/f${i}.iso`, [])) });
    seed(200);
    await expect(buildPlan(state, keeping(99), { generation: "g" })).rejects.toThrow(
      new EmptyIndexGuard("this push would delete 101 of the 200 files pushed before (51%), more than --max-delete 50%; refusing (scan origin again, or push --max-delete 100)"),
    );
    expect((await buildPlan(state, keeping(100), { generation: "g" })).kvDelete.filter((d) => d.main)).toHaveLength(100);
    expect((await buildPlan(state, keeping(10), { generation: "g", maxDeleteFraction: 1 })).kvDelete.filter((d) => d.main)).toHaveLength(190);
    expect((await buildPlan(state, keeping(10), { generation: "g", allowEmpty: true })).kvDelete.filter((d) => d.main)).toHaveLength(190);
    await expect(buildPlan(state, keeping(10), { generation: "g", maxDeleteFraction: 0.9 })).rejects.toThrow(/delete 190 of the 200 .* \(95%\), more than --max-delete 90%/);
    // A small tree may lose most of its files.
    seed(99);
    expect((await buildPlan(state, keeping(1), { generation: "g" })).kvDelete.filter((d) => d.main)).toHaveLength(98);
  });
});

