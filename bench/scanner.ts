/**
 * Benchmarks of the offline side, each a ratio against a baseline run side by side:
 * - hashing: `scan origin` (md5, sha1, sha256, sha512 and piece hashes, all cores) against
 *   `sha256sum` over the same files, as throughput;
 * - rsync listing: listing, storing and diffing a 1,000,000-entry rsync listing against the same
 *   `rsync --list-only` run alone, with peak RSS;
 * - push diff: records a push writes after a no-change rescan (0) and after a 1% change;
 * - push plan memory: peak RSS of planning a no-change push over large files with piece hashes,
 *   against the same files without them.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig } from "../scripts/config/load.js";
import { buildIndex } from "../scripts/push/index-build.js";
import { buildPlan } from "../scripts/push/plan.js";
import { scanOrigin } from "../scripts/scan/origin.js";
import { openState, transaction } from "../scripts/state/db.js";
import { bytes } from "../scripts/demo/tree.js";
import { fillSyntheticState } from "./synthetic-state.js";
import { startRsyncDaemon } from "../scripts/lib/rsync-daemon.js";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (f: () => unknown) => {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
};

export async function runHashingBench(rounds = 3) {
  const dir = path.join(os.tmpdir(), "mirrorhop-bench-hash");
  const files = 8;
  const size = 48 * 1024 * 1024;
  if (!existsSync(path.join(dir, `f${files - 1}.iso`))) {
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < files; i++) writeFileSync(path.join(dir, `f${i}.iso`), bytes(`bench-${i}`, size));
  }
  const list = Array.from({ length: files }, (_, i) => path.join(dir, `f${i}.iso`));
  execFileSync("sha256sum", list); // warm the page cache for both
  const ours: number[] = [];
  const base: number[] = [];
  for (let r = 0; r < rounds; r++) {
    base.push(seconds(() => execFileSync("sha256sum", list)));
    const db = openState(":memory:");
    const t = process.hrtime.bigint();
    await scanOrigin(db, dir, { threads: os.availableParallelism() });
    ours.push(Number(process.hrtime.bigint() - t) / 1e9);
    db.close();
  }
  const mib = (files * size) / 1048576;
  return {
    mib,
    cores: os.availableParallelism(),
    mirrorhopMiBps: Number((mib / median(ours)).toFixed(1)),
    sha256sumMiBps: Number((mib / median(base)).toFixed(1)),
    ratio: Number((median(base) / median(ours)).toFixed(3)),
  };
}

/** A tree of `n` empty files in directories of 1000, made once and kept between runs. */
export function bigTree(n: number): string {
  const dir = path.join(os.tmpdir(), `mirrorhop-bench-tree-${n}`);
  if (existsSync(path.join(dir, ".complete"))) return dir;
  rmSync(dir, { recursive: true, force: true });
  for (let d = 0; d < n / 1000; d++) {
    const sub = path.join(dir, `d${String(d).padStart(4, "0")}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 1000; f++) closeSync(openSync(path.join(sub, `file-${f}.rpm`), "w"));
  }
  writeFileSync(path.join(dir, ".complete"), "");
  return dir;
}

export async function runRsyncListingBench(n = 1_000_000, rounds = 3) {
  const tree = bigTree(n);
  // Both sides list through the same rsync daemon, as a real mirror is scanned.
  const daemon = await startRsyncDaemon(tree);
  const base: number[] = [];
  const ours: { listStoreSeconds: number; listStoreRssMiB: number; seconds: number; rssMiB: number; entries: number; held: number; rescanSeconds: number }[] =
    [];
  try {
    for (let r = 0; r < rounds; r++) {
      base.push(seconds(() => execFileSync("sh", ["-c", `TZ=UTC rsync --list-only -r -l -8 --no-motd --no-human-readable ${daemon.url} > /dev/null`])));
      // In a child process, so that its peak RSS is the scan's alone.
      const child = spawnSync(
        process.execPath,
        [path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs"), path.join(import.meta.dirname, "listing-child.ts"), "rsync", daemon.url, String(n)],
        { encoding: "utf8" },
      );
      if (child.status !== 0) throw new Error(child.stderr);
      ours.push(JSON.parse(child.stdout.trim().split("\n").at(-1)!));
    }
  } finally {
    await daemon.stop();
  }
  const s = median(ours.map((o) => o.seconds));
  const ls = median(ours.map((o) => o.listStoreSeconds));
  return {
    entries: ours[0]!.entries,
    /** Origin files the diff found the mirror holding: all of them, or the diff did no work. */
    held: ours[0]!.held,
    rsyncAloneSeconds: Number(median(base).toFixed(2)),
    listStoreSeconds: Number(ls.toFixed(2)),
    listStoreRatio: Number((ls / median(base)).toFixed(2)),
    /** Peak RSS of the child over the first scan and the rescan, before the diff. */
    listStorePeakRssMiB: Math.max(...ours.map((o) => o.listStoreRssMiB)),
    /** The same tree listed again: a rescan that finds the mirror as it was writes no row. */
    rescanSeconds: Number(median(ours.map((o) => o.rescanSeconds)).toFixed(2)),
    rescanRatio: Number((median(ours.map((o) => o.rescanSeconds)) / median(base)).toFixed(2)),
    listStoreDiffSeconds: Number(s.toFixed(2)),
    peakRssMiB: Math.max(...ours.map((o) => o.rssMiB)),
    ratio: Number((s / median(base)).toFixed(2)),
  };
}

export async function runPushDiffBench(n = 100_000) {
  const db = openState(":memory:");
  const config = parseConfig(
    `[origin]\npath = "/nonexistent"\nurl = "https://o.example/"\n[[mirror]]\nid = 1\nname = "m"\nhttp = "http://m.example/"\ncountry = "DE"\n`,
    "/bench/mirrorhop.toml",
  );
  const fill = (changedEvery: number, salt: string) => fillSyntheticState(db, n, changedEvery, salt);
  const record = async () => {
    const plan = await buildPlan(db, buildIndex(db, config), { generation: "g" });
    transaction(db, () => {
      const st = db.prepare("INSERT OR REPLACE INTO pushed_files (path, digest) VALUES (?, ?)");
      for (const p of plan.kvPut) st.run(p.path, p.digest);
      db.prepare("INSERT OR REPLACE INTO pushed_meta (key, value) VALUES ('table_digest', ?)").run(plan.tableDigest);
    });
    return plan;
  };
  fill(0, "");
  const first = await record();
  fill(0, "");
  const noChange = await record();
  fill(100, "b");
  const onePercent = await record();
  const records = (p: typeof first) => p.kvPut.length;
  return { files: n, firstPush: records(first), noChangeRescan: records(noChange) + noChange.kvDelete.length, onePercentChange: records(onePercent) };
}

/**
 * Peak RSS of planning a push over an origin of `n` large files with piece hashes, against the
 * same origin without them (the baseline: what planning needs regardless): the first push, which
 * writes everything, and the next one, which has nothing to write. Each in a fresh child process.
 */
export async function runPushPlanMemoryBench(n = Number(process.env.PLAN_FILES ?? 2_000), rounds = 3) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-bench-plan-"));
  const child = (...args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs"), path.join(import.meta.dirname, "push-plan-child.ts"), ...args],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim().split("\n").at(-1) ?? "";
  };
  try {
    const withPieces = path.join(dir, "pieces.sqlite");
    const without = path.join(dir, "none.sqlite");
    const firstWith = JSON.parse(child("seed", withPieces, String(n), "1"));
    const firstWithout = JSON.parse(child("seed", without, String(n), "0"));
    const ours: { seconds: number; rssMiB: number; writes: number }[] = [];
    const base: typeof ours = [];
    for (let r = 0; r < rounds; r++) {
      base.push(JSON.parse(child("plan", without)));
      ours.push(JSON.parse(child("plan", withPieces)));
    }
    const rss = (xs: typeof ours) => median(xs.map((x) => x.rssMiB));
    return {
      files: n,
      pieceBytesPerFile: 32 * 1024,
      writes: ours[0]!.writes,
      firstPush: {
        withoutPiecesRssMiB: firstWithout.rssMiB,
        withPiecesRssMiB: firstWith.rssMiB,
        ratio: Number((firstWith.rssMiB / firstWithout.rssMiB).toFixed(2)),
      },
      noChangePush: { withoutPiecesRssMiB: rss(base), withPiecesRssMiB: rss(ours), ratio: Number((rss(ours) / rss(base)).toFixed(2)) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
