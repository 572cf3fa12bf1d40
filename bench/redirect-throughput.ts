/**
 * Throughput of the full redirect path (file record, cached mirror table, selection, RFC 6249 and
 * RFC 3230 headers) on local workerd, as a ratio to a Hono Worker that returns one constant
 * redirect on the same runtime, measured in interleaved rounds of the same run. The load comes
 * from wrk (C, Debian package `wrk`): a JS load generator on the same two cores spends more on
 * parsing mirrorhop's larger responses than the server spends making them, and skews the ratio.
 */

import { execFileSync } from "node:child_process";
import path from "node:path";
import { bundleWorker, ROOT, startLocalEdge, type LocalEdge } from "../scripts/lib/local-edge.js";
import { policyWithDefaults } from "../src/core/policy.js";
import { writeIndex } from "../scripts/lib/write-index.js";
import { heldByAll, network } from "./fixture-network.js";

const MIRRORS = 100;
const FILES = 200;
const CONNECTIONS = 16;

/** One wrk run; refuses a run with socket errors or any answer other than the expected redirect. */
export function load(edge: LocalEdge, seconds: number, script = "bench/wrk-requests.lua"): number {
  return loadRun(edge, seconds, script).rps;
}

/** One wrk run: its rate and how many requests it completed. */
export function loadRun(edge: LocalEdge, seconds: number, script = "bench/wrk-requests.lua"): { rps: number; requests: number } {
  const out = execFileSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "-s", path.join(ROOT, script), edge.url.origin]).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const errors = /Socket errors: (.*)/.exec(out)?.[1];
  // wrk reports statuses >= 400 as "Non-2xx or 3xx responses"; a clean run has none and no socket errors.
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (errors || !(rps > 0) || bad !== 0) throw new Error(`load run not clean:\n${out}`);
  return { rps, requests };
}

/** Before timing: every path the load asks for answers 302 on both Workers (wrk cannot tell 302 from 200). */
export async function preflight(edge: LocalEdge, paths: string[]): Promise<void> {
  for (const p of paths) {
    const res = await fetch(new URL(`/${p}`, edge.url).href, { redirect: "manual", headers: { "x-debug-country": "DE" } });
    if (res.status !== 302) throw new Error(`${edge.url.origin}/${p} answered ${res.status}, not 302`);
  }
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
  /** Median over rounds of (mirrorhop req/s ÷ baseline req/s in the same round). */
  cachedRatio: number;
  uncachedRatio: number;
}

export async function runThroughputBench(rounds = 7, seconds = 4): Promise<ThroughputResult> {
  const cached = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "15" } });
  const uncached = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "0" } });
  const base = await startLocalEdge({ script: await bundleWorker(path.join(ROOT, "bench/baseline-worker.ts")) });
  try {
    // The same 200 paths bench/wrk-requests.lua asks for.
    const paths = Array.from({ length: FILES }, (_, i) => `releases/${i % 10}/file-${i}.iso`);
    const files = Object.fromEntries(paths.map((p) => [p, heldByAll(MIRRORS)]));
    const t = { format: 1 as const, generation: "bench", policy: policyWithDefaults({}), mirrors: network(MIRRORS) };
    await writeIndex(cached, t, files);
    await writeIndex(uncached, t, files);
    const targets = [cached, uncached, base];
    for (const e of targets) await preflight(e, paths);
    for (const e of targets) load(e, 1);
    const rps: number[][] = [[], [], []];
    // Interleaved rounds: a slow moment of the machine hits all three alike.
    for (let r = 0; r < rounds; r++) for (const [i, e] of targets.entries()) rps[i]!.push(Math.round(load(e, seconds)));
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    // Each round's ratio compares runs seconds apart; the median of those ratios resists a noisy round.
    const ratio = (xs: number[]) => Number(median(xs.map((x, r) => x / rps[2]![r]!)).toFixed(3));
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
