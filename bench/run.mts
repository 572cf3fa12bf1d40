/**
 * `npm run bench`: runs every benchmark and writes bench/results/latest.json.
 * `npm run bench -- selection` or `-- throughput` runs one. Results worth keeping are copied into
 * bench/README.md with the date and the machine.
 */

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ROOT } from "../scripts/lib/local-edge.js";
import { runThroughputBench } from "./redirect-throughput.js";
import { runLoadBench } from "./load.js";
import { runSelectionBench } from "./selection.js";
import { runListingProtocolsBench } from "./listing-protocols.js";
import { runPackageOriginShareBench } from "./package-origin-share.js";
import { runStatsOverheadBench } from "./stats-overhead.js";
import { runPushThroughputBench } from "./push-throughput.js";
import { runScaleBench } from "./scale.js";
import { runTableLoadBench } from "./table-load.js";
import { runProbeWritesBench } from "./probe-writes.js";
import { runHashingBench, runPushDiffBench, runPushPlanMemoryBench, runRsyncListingBench } from "./scanner.js";

const only = process.argv[2];
const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}`,
};

if (!only || only === "selection") {
  console.log("selection: 10, 100, 1000 mirrors, interleaved rounds ...");
  results.selection = runSelectionBench();
  console.table(results.selection);
}
if (!only || only === "throughput") {
  console.log("throughput: mirrorhop vs constant-redirect Hono Worker on local workerd, interleaved rounds ...");
  const t = await runThroughputBench();
  results.throughput = t;
  console.log(`mirrorhop (record cache) ${t.cachedRps.join(" / ")} req/s, ratio ${t.cachedRatio}`);
  console.log(`mirrorhop (KV every request) ${t.uncachedRps.join(" / ")} req/s, ratio ${t.uncachedRatio}`);
  console.log(`baseline constant redirect ${t.baselineRps.join(" / ")} req/s`);
}

if (!only || only === "stats-overhead") {
  console.log("stats overhead: the redirect path with counting off, Analytics Engine and D1, interleaved rounds, a new client network per request ...");
  const s = await runStatsOverheadBench();
  results.statsOverhead = s;
  console.log(s);
}

if (!only || only === "load") {
  console.log("load: sustained wrk windows against mirrorhop and the baseline, workerd RSS after each ...");
  const l = await runLoadBench(Number(process.env.LOAD_WINDOWS ?? 6), Number(process.env.LOAD_SECONDS ?? 10));
  results.load = l;
  console.log(l);
}
if (!only || only === "hashing") {
  console.log("hashing: scan origin vs sha256sum on the same files ...");
  results.hashing = await runHashingBench();
  console.log(results.hashing);
}
if (!only || only === "push-diff") {
  console.log("push diff: records written after a no-change rescan and after a 1% change ...");
  results.pushDiff = await runPushDiffBench();
  console.log(results.pushDiff);
}
if (!only || only === "table-load") {
  console.log("table load: KV texts to a compiled table at 64 and 1,000 mirrors, before / after a push / after a probe round / unchanged ...");
  results.tableLoad = await runTableLoadBench();
  console.table(results.tableLoad);
}
if (!only || only === "probe-writes") {
  console.log("probe writes: D1 rows and KV writes of a day of probe rounds at 64 and 1,000 mirrors, against the full rewrite ...");
  results.probeWrites = await runProbeWritesBench();
  console.table(results.probeWrites);
}
if (!only || only === "push-throughput") {
  console.log("push throughput: push --local of PUSH_FILES (10,000 and 100,000) files, first / no change / 1%, against writing the same entries alone ...");
  results.pushThroughput = await runPushThroughputBench();
}
if (!only || only === "push-memory") {
  console.log("push plan memory: a no-change push over PLAN_FILES (2,000) large files, with and without piece hashes ...");
  results.pushPlanMemory = await runPushPlanMemoryBench();
  console.log(results.pushPlanMemory);
}
if (!only || only === "rsync-listing") {
  console.log("rsync listing: list, store and diff 1,000,000 entries vs rsync --list-only alone (first run builds the tree) ...");
  results.rsyncListing = await runRsyncListingBench();
  console.log(results.rsyncListing);
}

if (only === "listing-protocols") {
  // Minutes at the default size (the servers list a few thousand entries a second): by name only.
  console.log("listing protocols: HTTP and FTP listings of LISTING_FILES (200,000) entries vs curl fetching the same listings ...");
  results.listingProtocols = await runListingProtocolsBench();
  console.log(results.listingProtocols);
}

if (only === "scale") {
  // Minutes and GBs at the default size: run by name only (`npm run bench -- scale`).
  console.log("scale: 100 mirrors, first push, no-change push, 1 % change (dry runs) ...");
  results.scale = await runScaleBench();
  console.log(results.scale);
}

if (!only || only === "package-origin-share") {
  console.log("package origin share: one refresh + install per package manager, before / metadata on the origin / default ...");
  const p = await runPackageOriginShareBench();
  results.packageOriginShare = p;
  for (const [variant, clients] of Object.entries(p)) {
    console.log(variant);
    console.table(
      Object.fromEntries(
        Object.entries(clients).map(([c, s]) => [
          c,
          {
            requests: `${s.originRequests}/${s.requests}`,
            bytes: `${s.originBytes}/${s.bytes}`,
            "origin share (requests)": s.originRequestShare,
            "origin share (bytes)": s.originByteShare,
          },
        ]),
      ),
    );
  }
}

await mkdir(path.join(ROOT, "bench/results"), { recursive: true });
await writeFile(path.join(ROOT, "bench/results/latest.json"), JSON.stringify(results, null, 2) + "\n");
