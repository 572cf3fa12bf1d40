/**
 * A bounded load test on loopback: the bundled Worker on local workerd under wrk for a series of
 * windows, each followed by the same window against a constant-redirect baseline Worker. Records
 * req/s per window, the errors (must be zero), and workerd's resident memory after each window,
 * to show that memory stays flat under sustained load (the record cache is bounded).
 */

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { bundleWorker, ROOT, startLocalEdge, type LocalEdge } from "../scripts/lib/local-edge.js";
import { writeIndex } from "../scripts/lib/write-index.js";
import { policyWithDefaults } from "../src/core/policy.js";
import { heldByAll, network } from "./fixture-network.js";

const CONNECTIONS = 16;

interface Window {
  rps: number;
  requests: number;
  errors: number;
}

function wrk(edge: LocalEdge, seconds: number): Window {
  const out = execFileSync("wrk", ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "-s", path.join(ROOT, "bench/wrk-requests.lua"), edge.url.origin]).toString();
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), requests: Number(/(\d+) requests in/.exec(out)?.[1]), errors };
}

/** Resident memory of the workerd process listening on the edge's port, in MiB. */
function workerdRssMiB(edge: LocalEdge): number {
  const ss = execFileSync("ss", ["-ltnpH", `sport = :${edge.url.port}`]).toString();
  const pid = /pid=(\d+)/.exec(ss)?.[1];
  if (!pid) throw new Error(`no process listens on ${edge.url.port}:\n${ss}`);
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
  return Math.round((kb / 1024) * 10) / 10;
}

export interface LoadResult {
  windows: number;
  windowSeconds: number;
  connections: number;
  rps: number[];
  baselineRps: number[];
  requests: number;
  errors: number;
  /** workerd RSS (MiB) after warm-up and after each window. */
  rssMiB: number[];
  /** Median over windows of mirrorhop req/s ÷ baseline req/s. */
  ratio: number;
  /** RSS after the last window ÷ RSS after the first. */
  rssGrowth: number;
}

export async function runLoadBench(windows = 6, seconds = 10): Promise<LoadResult> {
  const edge = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "15" } });
  const base = await startLocalEdge({ script: await bundleWorker(path.join(ROOT, "bench/baseline-worker.ts")) });
  try {
    const paths = Array.from({ length: 200 }, (_, i) => `releases/${i % 10}/file-${i}.iso`);
    await writeIndex(
      edge,
      { format: 1, generation: "load", policy: policyWithDefaults({}), mirrors: network(100) },
      Object.fromEntries(paths.map((p) => [p, heldByAll(100)])),
    );
    wrk(edge, 2);
    wrk(base, 2);
    const rss = [workerdRssMiB(edge)];
    const rps: number[] = [];
    const baselineRps: number[] = [];
    let requests = 0;
    let errors = 0;
    for (let w = 0; w < windows; w++) {
      const m = wrk(edge, seconds);
      rss.push(workerdRssMiB(edge));
      baselineRps.push(Math.round(wrk(base, seconds).rps));
      rps.push(Math.round(m.rps));
      requests += m.requests;
      errors += m.errors;
    }
    const ratios = rps.map((r, i) => r / baselineRps[i]!).sort((a, b) => a - b);
    return {
      windows,
      windowSeconds: seconds,
      connections: CONNECTIONS,
      rps,
      baselineRps,
      requests,
      errors,
      rssMiB: rss,
      ratio: Number(ratios[Math.floor(ratios.length / 2)]!.toFixed(3)),
      rssGrowth: Number((rss[rss.length - 1]! / rss[1]!).toFixed(3)),
    };
  } finally {
    await edge.dispose();
    await base.dispose();
  }
}
