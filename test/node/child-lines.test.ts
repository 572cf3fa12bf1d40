/**
 * A child's output read from the file it writes (scripts/lib/child-lines.ts): every line, in
 * order, whole across the reads' megabyte steps and UTF-8 sequences split between them, while
 * the child is still writing and after it exits; nothing left in the temp dir.
 */

import { readdirSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { spawnLines } from "../../scripts/lib/child-lines.js";

const leftovers = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith("mirrorhop-out-"));

/** A child printing `n` lines in bursts with pauses (so the reader catches up and waits), the last without "\n". */
const printer = (n: number) => `
const lines = Array.from({ length: ${n} }, (_, i) => i + " " + "é".repeat(i % 300));
let i = 0;
const burst = () => {
  const end = Math.min(i + 5000, lines.length);
  process.stdout.write(lines.slice(i, end).join("\\n") + (end < lines.length ? "\\n" : ""), () => {
    i = end;
    if (i < lines.length) setTimeout(burst, 20);
  });
};
burst();`;

describe("spawnLines", () => {
  it("reads every line of a child still writing, across megabyte steps and split UTF-8", async () => {
    const n = 60_000;
    const before = leftovers();
    const { lines, exit } = spawnLines(process.execPath, ["-e", printer(n)]);
    const got: string[] = [];
    let batches = 0;
    for await (const batch of lines) {
      batches++;
      for (const line of batch) got.push(line);
    }
    expect(await exit).toBe(0);
    expect(got.length).toBe(n);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => `${i} ${"é".repeat(i % 300)}`));
    // 18 MB, nearly all of it two-byte characters, read at most a megabyte at a time: lines and
    // characters crossed the edges of the reads.
    expect(batches).toBeGreaterThanOrEqual(18);
    expect(leftovers()).toEqual(before);
  });

  it("a command that cannot run: exit rejects and the lines end", async () => {
    const { lines, exit } = spawnLines("/nonexistent/mirrorhop-no-such-command", []);
    const got: string[] = [];
    for await (const batch of lines) got.push(...batch);
    await expect(exit).rejects.toThrow(/ENOENT/);
    expect(got).toEqual([]);
  });
});
