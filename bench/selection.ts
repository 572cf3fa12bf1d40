/**
 * Selection cost per decision with 10, 100 and 1,000 mirrors, every mirror holding the file. Two
 * mixes of clients: `mixed` (six countries, most with mirrors of their own country or ASN) and
 * `far` (clients in a country and continent without mirrors and an ASN none has: every holder is
 * in the world tier and must be weighed, the worst case of a near-first search). Runs in Node's
 * V8, the engine workerd embeds. Reported in ns per decision and as a ratio to the 10-mirror
 * mixed case measured in the same run, so the machine's speed cancels out.
 */

import { parseIp } from "../src/core/ip.js";
import { policyWithDefaults } from "../src/core/policy.js";
import type { SelectionRequest } from "../src/selection/client.js";
import { compileTable } from "../src/selection/compiled-table.js";
import { selectMirror } from "../src/selection/select.js";
import { heldByAll, network } from "./fixture-network.js";

/** What the download route asks for: the best policy.maxLinks candidates. */
const HOT_PATH = { limit: 5 };
const COUNTRIES = ["DE", "FR", "US", "JP", "BR", "ZA"];

function requests(count: number, far = false): SelectionRequest[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `releases/${i % 7}/foo-${i % 13}.iso`,
    now: 1_800_000_000,
    scheme: i % 3 ? "https" : "http",
    client: far
      ? {
          ip: parseIp(`198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)!,
          country: "ZA",
          continent: "AF",
          asn: 65000 + (i % 97),
          lat: -30 + (i % 10),
          lon: 20 + (i % 10),
        }
      : {
          ip: parseIp(`198.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`)!,
          country: COUNTRIES[i % COUNTRIES.length]!,
          continent: ["EU", "EU", "NA", "AS", "SA", "AF"][i % 6]!,
          asn: 64500 + (i % 97),
          lat: 10 + (i % 50),
          lon: -20 + (i % 90),
        },
    avoid: [],
  }));
}

function nsPerDecision(n: number, reqs: SelectionRequest[], minMs: number): number {
  const table = compileTable({ format: 1, generation: "bench", policy: policyWithDefaults({}), mirrors: network(n) });
  const file = heldByAll(n);
  let sink = 0;
  for (let i = 0; i < 2000; i++) sink += selectMirror(table, file, reqs[i % reqs.length]!, HOT_PATH).ranked.length;
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < BigInt(minMs) * 1_000_000n) {
    for (let i = 0; i < 200; i++) sink += selectMirror(table, file, reqs[(iterations + i) % reqs.length]!, HOT_PATH).ranked.length;
    iterations += 200;
    elapsed = process.hrtime.bigint() - start;
  }
  if (sink < 0) console.log(sink);
  return Number(elapsed) / iterations;
}

export interface SelectionResult {
  mirrors: number;
  clients: "mixed" | "far";
  nsPerDecision: number;
  ratioTo10: number;
}

export function runSelectionBench(rounds = 5, minMs = 300): SelectionResult[] {
  const mixes = { mixed: requests(4096), far: requests(4096, true) };
  const cases = [10, 100, 1000].flatMap((n) => (["mixed", "far"] as const).map((clients) => ({ n, clients })));
  const samples = cases.map(() => [] as number[]);
  // Interleaved rounds: a slow moment of the machine hits every case alike; the median drops outliers.
  for (let r = 0; r < rounds; r++) cases.forEach((c, i) => samples[i]!.push(nsPerDecision(c.n, mixes[c.clients], minMs)));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(samples[0]!);
  return cases.map((c, i) => {
    const m = median(samples[i]!);
    return { mirrors: c.n, clients: c.clients, nsPerDecision: Math.round(m), ratioTo10: Number((m / base).toFixed(2)) };
  });
}
