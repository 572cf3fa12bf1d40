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
import { runSelectionBench } from "./selection.js";

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

await mkdir(path.join(ROOT, "bench/results"), { recursive: true });
await writeFile(path.join(ROOT, "bench/results/latest.json"), JSON.stringify(results, null, 2) + "\n");
