/**
 * What counting costs the download path: the same redirect Worker on local workerd with counting
 * off, with the Analytics Engine store (production) and with the D1 store (local, small networks),
 * in interleaved rounds of one run, as ratios to "off". Every request comes from a new client
 * network, so every counted download also checks and writes a repeat mark: the worst case.
 * Locally Analytics Engine accepts data points and keeps none, so its figure is the Worker's own
 * cost (building the point, the repeat marks), not the platform's ingestion, which is not ours to pay.
 */

import { startLocalEdge } from "../scripts/lib/local-edge.js";
import { DEFAULT_POLICY, policyWithDefaults } from "../src/core/policy.js";
import { writeIndex } from "../scripts/lib/write-index.js";
import { heldByAll, network } from "./fixture-network.js";
import { load, loadRun, preflight } from "./redirect-throughput.js";
import { workerdCpuSeconds } from "./process-cpu.js";

const MIRRORS = 100;
const FILES = 200;
const SCRIPT = "bench/wrk-distinct-clients.lua";
const SETTLE_MS = 2000;
const COARSE_ROUNDS = 3;

export interface StatsOverheadResult {
  rounds: number;
  roundSeconds: number;
  offRps: number[];
  /** The baseline of the coarse rounds (data-centre marks, D1). */
  coarseOffRps: number[];
  analyticsEngineRps: number[];
  d1Rps: number[];
  /** The control, counting off like the baseline: its ratio is the bench's own noise. */
  controlRps: number[];
  controlRatio: number;
  /** Median over rounds of (req/s with counting ÷ req/s without, same round). */
  analyticsEngineRatio: number;
  d1Ratio: number;
  /** Analytics Engine with repeat_marks = "data-centre": every first download also asks and writes the Cache API. */
  analyticsEngineDataCentreMarksRps: number[];
  analyticsEngineDataCentreMarksRatio: number;
  /** workerd CPU per request (µs), the run and its settling pause, while only that Worker was loaded. */
  offCpuUsPerRequest: number[];
  analyticsEngineCpuUsPerRequest: number[];
  controlCpuUsPerRequest: number[];
  /** Median over rounds of (baseline CPU per request ÷ this one's): a throughput ratio that wrk's share of the cores does not blur. */
  analyticsEngineCpuRatio: number;
  controlCpuRatio: number;
  analyticsEngineDataCentreMarksCpuRatio: number;
  d1CpuRatio: number;
  /** Counted downloads the D1 store holds after the run, and the rows it wrote for them (one upsert per table per download). */
  d1Counted: number;
  d1RowsWrittenPerMillion: number;
  /** Data points per million downloads with Analytics Engine; D1 and KV writes: none. */
  analyticsEngineDataPointsPerMillion: number;
}

export async function runStatsOverheadBench(rounds = 11, seconds = 4): Promise<StatsOverheadResult> {
  const vars = { MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "15" };
  const off = await startLocalEdge({ vars: { ...vars, STATS_STORE: "off" } });
  // The control: a second Worker with counting off, measured like the others, so the ratio's noise floor is on record.
  const control = await startLocalEdge({ vars: { ...vars, STATS_STORE: "off" } });
  const ae = await startLocalEdge({ vars: { ...vars, STATS_STORE: "analytics-engine" }, analyticsDataset: "mirrorhop_bench" });
  const d1 = await startLocalEdge({ vars: { ...vars, STATS_STORE: "d1" } });
  const aeShared = await startLocalEdge({ vars: { ...vars, STATS_STORE: "analytics-engine" }, analyticsDataset: "mirrorhop_bench" });
  const targets = [off, ae, aeShared, d1, control];
  try {
    const paths = Array.from({ length: FILES }, (_, i) => `releases/${i % 10}/file-${i}.iso`);
    const files = Object.fromEntries(paths.map((p) => [p, heldByAll(MIRRORS)]));
    const t = { format: 1 as const, generation: "bench", policy: policyWithDefaults({}), mirrors: network(MIRRORS) };
    for (const e of [off, ae, d1, control]) await writeIndex(e, t, files);
    await writeIndex(aeShared, { ...t, policy: policyWithDefaults({ stats: { ...DEFAULT_POLICY.stats, repeatMarks: "data-centre" } }) }, files);
    for (const e of targets) await preflight(e, paths);
    for (const e of targets) load(e, 1, SCRIPT);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    /** Interleaved rounds over `group`; each round's ratios are to the group's first Worker (off). */
    const measure = async (group: typeof targets, n: number) => {
      const rps: number[][] = group.map(() => []);
      const cpuUs: number[][] = group.map(() => []);
      for (let r = 0; r < n; r++) {
        // Each round starts with the next Worker: no one always runs first, right after the pause.
        for (let k = 0; k < group.length; k++) {
          const i = (r + k) % group.length;
          const cpu0 = workerdCpuSeconds();
          const run = loadRun(group[i]!, seconds, SCRIPT);
          // What a run left to do after its responses (waitUntil writes) must not slow the next
          // run, and is this run's cost: the CPU is read after the pause.
          await new Promise((res) => setTimeout(res, SETTLE_MS));
          rps[i]!.push(Math.round(run.rps));
          cpuUs[i]!.push(Math.round(((workerdCpuSeconds() - cpu0) / run.requests) * 1e6));
        }
      }
      const perRound = (xs: number[][], i: number, f: (x: number, base: number) => number) => Number(median(xs[i]!.map((x, r) => f(x, xs[0]![r]!))).toFixed(3));
      return {
        rps,
        cpuUs,
        ratio: (i: number) => perRound(rps, i, (x, b) => x / b),
        // Throughput-equivalent: the baseline's CPU per request over this one's (1 = costs nothing more).
        cpuRatio: (i: number) => perRound(cpuUs, i, (x, b) => b / x),
      };
    };
    // The claim (Analytics Engine, isolate marks) gets many rounds beside its control; the far
    // slower variants need few to show their size.
    const fine = await measure([off, ae, control], rounds);
    const coarse = await measure([off, aeShared, d1], COARSE_ROUNDS);
    const counted = await d1.DB.prepare("SELECT sum(events) AS n FROM stats_mirror_day").first<{ n: number }>();
    return {
      rounds,
      roundSeconds: seconds,
      offRps: fine.rps[0]!,
      analyticsEngineRps: fine.rps[1]!,
      controlRps: fine.rps[2]!,
      analyticsEngineRatio: fine.ratio(1),
      controlRatio: fine.ratio(2),
      offCpuUsPerRequest: fine.cpuUs[0]!,
      analyticsEngineCpuUsPerRequest: fine.cpuUs[1]!,
      controlCpuUsPerRequest: fine.cpuUs[2]!,
      analyticsEngineCpuRatio: fine.cpuRatio(1),
      controlCpuRatio: fine.cpuRatio(2),
      analyticsEngineDataCentreMarksCpuRatio: coarse.cpuRatio(1),
      d1CpuRatio: coarse.cpuRatio(2),
      coarseOffRps: coarse.rps[0]!,
      analyticsEngineDataCentreMarksRps: coarse.rps[1]!,
      d1Rps: coarse.rps[2]!,
      analyticsEngineDataCentreMarksRatio: coarse.ratio(1),
      d1Ratio: coarse.ratio(2),
      d1Counted: counted?.n ?? 0,
      d1RowsWrittenPerMillion: 3_000_000,
      analyticsEngineDataPointsPerMillion: 1_000_000,
    };
  } finally {
    for (const e of targets) await e.dispose();
  }
}
