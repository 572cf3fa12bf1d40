/**
 * Throughput of the full redirect path (KV file record read, cached mirror table, selection,
 * RFC 6249/3230 headers) on local workerd, as a ratio to a Hono Worker that returns one constant
 * redirect on the same runtime, measured in interleaved rounds of the same run.
 */

import path from "node:path";
import autocannon from "autocannon";
import { bundleWorker, ROOT, startLocalEdge } from "../scripts/lib/local-edge.js";
import { policyWithDefaults } from "../src/core/policy.js";
import { seedIndex } from "../test/helpers/seed.js";
import { heldByAll, network } from "./fixture-network.js";

const MIRRORS = 100;
const FILES = 200;

async function load(url: URL, seconds: number, requests: autocannon.Request[]) {
  const r = await autocannon({ url: url.origin, connections: 16, duration: seconds, requests });
  const redirects = r["3xx"];
  if (r.errors || r.timeouts || redirects !== r.requests.total) {
    throw new Error(`load run not clean: ${r.errors} errors, ${r.timeouts} timeouts, ${redirects}/${r.requests.total} redirects`);
  }
  return r.requests.average;
}

export interface ThroughputResult {
  mirrors: number;
  files: number;
  roundSeconds: number;
  rounds: number;
  mirrorhopRps: number[];
  baselineRps: number[];
  ratio: number;
}

export async function runThroughputBench(rounds = 3, seconds = 8): Promise<ThroughputResult> {
  const edge = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "60" } });
  const base = await startLocalEdge({ script: await bundleWorker(path.join(ROOT, "bench/baseline-worker.ts")) });
  try {
    const paths = Array.from({ length: FILES }, (_, i) => `releases/${i % 10}/file-${i}.iso`);
    const files = Object.fromEntries(paths.map((p) => [p, heldByAll(MIRRORS)]));
    await seedIndex(edge, { format: 1, generation: "bench", policy: policyWithDefaults({}), mirrors: network(MIRRORS) }, files);
    const countries = ["DE", "FR", "US", "JP", "BR"];
    const requests: autocannon.Request[] = Array.from({ length: 64 }, (_, i) => ({
      method: "GET",
      path: `/${paths[(i * 7) % paths.length]}`,
      headers: { "x-debug-country": countries[i % countries.length]!, "x-debug-ip": `198.51.${i}.7`, "x-debug-asn": String(64500 + i) },
    }));
    await load(edge.url, 2, requests);
    await load(base.url, 2, requests);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < rounds; r++) {
      a.push(await load(edge.url, seconds, requests));
      b.push(await load(base.url, seconds, requests));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    return { mirrors: MIRRORS, files: FILES, roundSeconds: seconds, rounds, mirrorhopRps: a, baselineRps: b, ratio: Number((median(a) / median(b)).toFixed(3)) };
  } finally {
    await edge.dispose();
    await base.dispose();
  }
}
