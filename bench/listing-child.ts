/**
 * Child of the listing benchmarks, `<rsync|http|ftp> <url> <files> [--no-diff]`: list a tree through
 * the scanner and store it, list it again (the rescan of a mirror that changed nothing), then diff
 * it (buildIndex) unless told not to; print the times and peak RSS.
 */

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig } from "../scripts/config/load.js";
import { buildIndex } from "../scripts/push/index-build.js";
import { scanMirrors } from "../scripts/scan/mirrors.js";
import { openState } from "../scripts/state/db.js";

const [protocol, url, n, noDiff] = process.argv.slice(2) as ["rsync" | "http" | "ftp", string, string, string?];
// On disk, as `mirrorhop scan` keeps its state: an in-memory database would count its own pages
// (two million rows) in the scan's peak RSS.
const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-bench-listing-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const db = openState(path.join(dir, "state.db"));
// Origin state for every listed path, so the diff (holdings) has real work to do.
db.exec("BEGIN");
// mtime now: the tree's files are from the day it was built, well within the tolerance below.
const st = db.prepare("INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, changed_at) VALUES (?, 0, ?, '0', '0', 0)");
for (let d = 0; d < Number(n) / 1000; d++) for (let f = 0; f < 1000; f++) st.run(`d${String(d).padStart(4, "0")}/file-${f}.rpm`, Math.floor(Date.now() / 1000));
db.exec("COMMIT");
// verify = 0: the baselines list only (and m.example is not a server: nothing leaves loopback).
const urls = protocol === "http" ? `http = "${url}"` : `http = "http://m.example/"\n${protocol} = "${url}"`;
const config = parseConfig(
  `[origin]\npath = "/unused"\nurl = "https://o.example/"\n[scan]\nprotocols = ["${protocol}"]\nmtime_tolerance_seconds = 1000000000\nverify = 0\n[[mirror]]\nid = 1\nname = "m"\n${urls}\ncountry = "DE"\n`,
  "/bench/mirrorhop.toml",
);
const t = process.hrtime.bigint();
// Claims as of now: older ones would be past the claim age, and the diff would have nothing to hold.
const [r] = await scanMirrors(db, config, { now: Math.floor(Date.now() / 1000) });
if (!r!.ok) throw new Error(r!.error);
const listStoreSeconds = Number(process.hrtime.bigint() - t) / 1e9;
// The hourly case: the same tree listed again, as a mirror that changed nothing is rescanned.
const t2 = process.hrtime.bigint();
const [again] = await scanMirrors(db, config, { now: Math.floor(Date.now() / 1000) + 1 });
if (!again!.ok) throw new Error(again!.error);
const rescanSeconds = Number(process.hrtime.bigint() - t2) / 1e9;
// Both scans, before the diff: the listing's own peak.
const listStoreRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const t3 = process.hrtime.bigint();
const held = noDiff === "--no-diff" ? undefined : buildIndex(db, config).files.filter((f) => f.record.mirrors.length === 1).length;
const seconds = listStoreSeconds + Number(process.hrtime.bigint() - t3) / 1e9;
console.log(
  JSON.stringify({
    listStoreSeconds,
    listStoreRssMiB,
    seconds,
    rssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    entries: r!.entries,
    held,
    rescanSeconds,
  }),
);
