/**
 * What loading the mirror table costs the edge at 64 and 1,000 mirrors: from the KV texts of the
 * table and the health document to a compiled table with health applied.
 *
 * - before: the table as the push stored it before (format 1, one object per mirror) and loaded on
 *   every reload: parse, validate, apply health, compile (the pipeline of the previous release, run
 *   from the same functions, which still read format 1).
 * - table changed: `getMirrorTable` on a table text it has not seen (format 2, packed): after a
 *   push that changed mirrors or policy (a push of files alone leaves the table's text as it was:
 *   its stamp is a key of its own, src/core/push-stamp.ts).
 * - after a probe round: the same table text, a health document it has not seen.
 * - unchanged: both texts as last time, which is what most reloads (every 60 s) find.
 *
 * The three "now" cases run the real `getMirrorTable` with the TTL at 0 against an in-memory
 * stand-in of the KV binding (its async reads are part of what is measured). "cold" is the first
 * load in a fresh process, as a new isolate meets it; "warm" the median of repeated loads. Node's
 * V8 is the engine workerd embeds.
 */

import { spawnSync } from "node:child_process";
import path from "node:path";
import { MIRROR_TABLE_KEY } from "../src/core/file-record.js";
import { encodeMirrorTable, type MirrorTable, readMirrorTable } from "../src/core/mirror-table.js";
import { policyWithDefaults } from "../src/core/policy.js";
import type { Env } from "../src/env.js";
import { applyHealth, encodeHealthDoc, HEALTH_KEY, type HealthDoc, parseHealthDoc } from "../src/health/health-doc.js";
import { compileTable } from "../src/selection/compiled-table.js";
import { getMirrorTable } from "../src/storage/mirror-table.js";
import { network } from "./fixture-network.js";

export type Case = "before" | "every-mirror-new" | "one-mirror-changed" | "policy-changed" | "after-probe-round" | "unchanged";
const CASES: Case[] = ["before", "every-mirror-new", "one-mirror-changed", "policy-changed", "after-probe-round", "unchanged"];

/** Two versions of the table for a case: every mirror renamed, one mirror's weight, the policy, or the generation alone. */
function tableTexts(n: number, c: Case): [string, string] {
  const version = (v: number): MirrorTable => {
    const mirrors = network(n).map((m) => {
      if (c === "every-mirror-new") return { ...m, name: `${m.name}-v${v}`, urls: { http: `http://v${v}.${m.name}.example/pub/` } };
      if (c === "one-mirror-changed" && m.id === 1) return { ...m, weight: m.weight + v };
      return m;
    });
    const policy = policyWithDefaults(c === "policy-changed" ? { regions: { dach: v ? ["DE", "AT"] : ["DE"] } } : {});
    return { format: 1, generation: `g${v}`, policy, mirrors };
  };
  const [a, b] = [version(0), version(1)];
  return c === "before" ? [JSON.stringify(a), JSON.stringify(b)] : [encodeMirrorTable(a), encodeMirrorTable(b)];
}

/** A probe round's document; `round` 1 moves every tenth mirror's lag, as a round finds some mirrors synced. */
function healthText(n: number, at: number, round: number, stored: boolean): string {
  const doc: HealthDoc = {
    format: 1,
    at,
    originTrace: null,
    mirrors: Object.fromEntries(
      Array.from({ length: n }, (_, id) => [id, { up: { http: true, https: id % 7 !== 0 }, lag: id * 13 + (round && id % 10 === 0 ? 60 : 0) }]),
    ),
  };
  return stored ? encodeHealthDoc(doc) : JSON.stringify(doc);
}

/** Each call is one reload in the named case; two versions of a text alternate where the case wants a new one. */
export function loader(n: number, c: Case): () => Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const tables = tableTexts(n, c);
  const healths = [healthText(n, now - 60, 0, c !== "before"), healthText(n, now - 30, 1, c !== "before")];
  if (c === "before") {
    let i = 0;
    const decoder = new TextDecoder();
    const [tableBytes, healthBytes] = [tables, healths].map((ts) => ts.map((t) => new TextEncoder().encode(t)));
    return async () => {
      i++;
      const [tableText, healthText] = [decoder.decode(tableBytes![i % 2]), decoder.decode(healthBytes![i % 2])];
      const health = parseHealthDoc(JSON.parse(healthText));
      return compileTable(applyHealth(readMirrorTable(JSON.parse(tableText)).table, health)).mirrors.length;
    };
  }
  let i = 0;
  // KV hands each read new memory from the stored bytes (a new string, or a new ArrayBuffer); so
  // does the stand-in, so an unchanged value costs its full comparison, not a pointer check.
  const bytes = (t: string) => new TextEncoder().encode(t);
  const [tableBytes, healthBytes] = [tables.map(bytes), healths.map(bytes)];
  const decoder = new TextDecoder();
  const tableChanges = c !== "after-probe-round" && c !== "unchanged";
  const read = (b: Uint8Array, type?: string) => (type === "arrayBuffer" ? b.slice().buffer : decoder.decode(b));
  const kv = {
    get: async (key: string, type?: string) =>
      key === MIRROR_TABLE_KEY
        ? read(tableBytes[tableChanges ? i % 2 : 0]!, type)
        : key === HEALTH_KEY
          ? read(healthBytes[c === "after-probe-round" ? i % 2 : 0]!, type)
          : null,
  };
  const env = { INDEX: kv, MIRROR_TABLE_TTL_SECONDS: "0" } as unknown as Env;
  return async () => {
    i++;
    const loaded = await getMirrorTable(env);
    if (loaded?.source !== "kv") throw new Error("table-load: the stand-in KV was not read");
    return loaded.table.mirrors.length;
  };
}

async function warmMs(load: () => Promise<number>, minMs: number): Promise<number> {
  for (let i = 0; i < 20; i++) await load();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    await load();
    runs++;
  }
  return (performance.now() - start) / runs;
}

function coldMs(n: number, c: Case): number {
  const r = spawnSync(process.execPath, [path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs"), import.meta.filename, "cold", String(n), c], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`table-load child failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export interface TableLoadResult {
  mirrors: number;
  case: Case;
  tableBytes: number;
  warmMs: number;
  coldMs: number;
  warmRatioToBefore: number;
}

export async function runTableLoadBench(rounds = 5): Promise<TableLoadResult[]> {
  const out: TableLoadResult[] = [];
  for (const n of [64, 1000]) {
    const samples = new Map<Case, { warm: number[]; cold: number[] }>(CASES.map((c) => [c, { warm: [], cold: [] }]));
    // The cases take turns within each round, so a slow moment of the machine hits all of them.
    for (let r = 0; r < rounds; r++) {
      for (const c of CASES) {
        samples.get(c)!.warm.push(await warmMs(loader(n, c), 300));
        samples.get(c)!.cold.push(coldMs(n, c));
      }
    }
    const before = median(samples.get("before")!.warm);
    for (const c of CASES) {
      const warm = median(samples.get(c)!.warm);
      out.push({
        mirrors: n,
        case: c,
        tableBytes: Buffer.byteLength(tableTexts(n, c)[0]),
        warmMs: Number(warm.toFixed(3)),
        coldMs: Number(median(samples.get(c)!.cold).toFixed(3)),
        warmRatioToBefore: Number((warm / before).toFixed(3)),
      });
    }
  }
  return out;
}

if (process.argv[2] === "cold") {
  const load = loader(Number(process.argv[3]), process.argv[4] as Case);
  // The cases after the first load find what the first one compiled, as a live isolate does.
  if (process.argv[4] !== "before" && process.argv[4] !== "every-mirror-new") await load();
  const start = performance.now();
  await load();
  console.log((performance.now() - start).toFixed(3));
}
