/** The push plan's pure parts, over an in-memory state: what gets listed. */

import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { DesiredIndex } from "../../scripts/push/index-build.js";
import { buildPlan } from "../../scripts/push/plan.js";
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
});
