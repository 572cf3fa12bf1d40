/**
 * Throughput of the full redirect path (KV file record read, cached mirror table, selection,
 * RFC 6249/3230 headers) on local workerd, as a ratio to a Hono Worker that returns one constant
 * redirect on the same runtime, measured in interleaved rounds of the same run.
 */

import path from "node:path";
import autocannon from "autocannon";
import { bundleWorker, ROOT, startLocalEdge } from "../scripts/lib/local-edge.js";
import { policyWithDefaults } from "../src/core/policy.js";
import { writeIndex } from "../scripts/lib/write-index.js";
import { heldByAll, network } from "./fixture-network.js";

const MIRRORS = 100;
const FILES = 200;

async function load(url: URL, seconds: number, requests: autocannon.Request[]) {
  const r = await autocannon({ url: url.origin, connections: CONNECTIONS, duration: seconds, requests });
  const redirects = r["3xx"];
  if (r.errors || r.timeouts || redirects !== r.requests.total) {
    throw new Error(`load run not clean: ${r.errors} errors, ${r.timeouts} timeouts, ${redirects}/${r.requests.total} redirects`);
  }
  return r.requests.average;
}

export interface ThroughputResult {
  mirrors: number;
  files: number;
  connections: number;
  roundSeconds: number;
  rounds: number;
  /** req/s per round: mirrorhop with its per-isolate record cache (the default). */
  cachedRps: number[];
  /** req/s per round: mirrorhop with FILE_RECORD_TTL_SECONDS=0, one local KV read per request. */
  uncachedRps: number[];
  baselineRps: number[];
  cachedRatio: number;
  uncachedRatio: number;
}

const CONNECTIONS = 16;

export async function runThroughputBench(rounds = 3, seconds = 8): Promise<ThroughputResult> {
  const cached = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "15" } });
  const uncached = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "0" } });
  const base = await startLocalEdge({ script: await bundleWorker(path.join(ROOT, "bench/baseline-worker.ts")) });
  try {
    const paths = Array.from({ length: FILES }, (_, i) => `releases/${i % 10}/file-${i}.iso`);
    const files = Object.fromEntries(paths.map((p) => [p, heldByAll(MIRRORS)]));
    const t = { format: 1 as const, generation: "bench", policy: policyWithDefaults({}), mirrors: network(MIRRORS) };
    await writeIndex(cached, t, files);
    await writeIndex(uncached, t, files);
    const countries = ["DE", "FR", "US", "JP", "BR"];
    const requests: autocannon.Request[] = Array.from({ length: 64 }, (_, i) => ({
      method: "GET",
      path: `/${paths[(i * 7) % paths.length]}`,
      headers: { "x-debug-country": countries[i % countries.length]!, "x-debug-ip": `198.51.${i}.7`, "x-debug-asn": String(64500 + i) },
    }));
    const targets = [cached, uncached, base];
    for (const e of targets) await load(e.url, 2, requests);
    const rps: number[][] = [[], [], []];
    // Interleaved rounds: a slow moment of the machine hits all three alike; medians drop outliers.
    for (let r = 0; r < rounds; r++) for (const [i, e] of targets.entries()) rps[i]!.push(Math.round(await load(e.url, seconds, requests)));
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const ratio = (xs: number[]) => Number((median(xs) / median(rps[2]!)).toFixed(3));
    return {
      mirrors: MIRRORS,
      files: FILES,
      connections: CONNECTIONS,
      roundSeconds: seconds,
      rounds,
      cachedRps: rps[0]!,
      uncachedRps: rps[1]!,
      baselineRps: rps[2]!,
      cachedRatio: ratio(rps[0]!),
      uncachedRatio: ratio(rps[1]!),
    };
  } finally {
    for (const e of [cached, uncached, base]) await e.dispose();
  }
}
