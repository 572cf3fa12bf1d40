/**
 * An openSUSE-sized network on one CI runner: FILES files (1,000,000 unless SCALE_FILES says
 * otherwise) in 1,000 directories, 100 mirrors with a realistic spread of partial mirrors
 * (bench/scale-child.ts). Records the first push (KV writes, time, peak RSS), a push that changes
 * nothing, and a push after 1 % of the files changed, each a dry run in a process of its own: the
 * planning and rendering a push does, without a store. Selection at 10/100/1,000 mirrors and a
 * 1 M-entry listing beside `rsync --list-only` are their own benchmarks (selection, rsync-listing).
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

function child(...args: string[]): Record<string, number> {
  const r = spawnSync(
    process.execPath,
    [path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs"), path.join(import.meta.dirname, "scale-child.ts"), ...args],
    {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`scale child ${args[0]} failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

export async function runScaleBench(files = Number(process.env.SCALE_FILES ?? 1_000_000), mirrors = 100) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-bench-scale-"));
  const state = path.join(dir, "state.sqlite");
  try {
    const seed = child("seed", state, String(files), String(mirrors));
    const first = child("first", state);
    const noChange = child("nochange", state);
    const onePercent = child("change", state);
    return { files, mirrors, heldPairs: seed.pairs, seedSeconds: seed.seconds, firstPush: first, noChangePush: noChange, onePercentChangePush: onePercent };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
