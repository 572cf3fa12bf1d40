/**
 * Push throughput: `push --local` over a synthetic index of N files (one mirror holding all), in a
 * fresh local state: the first push, a push with nothing to write, and a push after 1% of the files
 * changed. Side by side, the floors of writing the same first push's KV entries alone:
 * - through the local store's own writer (what any push through Miniflare's bindings must spend);
 * - through `wrangler kv bulk put --local` (the previous push path), only up to WRANGLER_FLOOR_MAX
 *   files (10,000 by default; it took 103 s for 10,000 before).
 */

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig } from "../scripts/config/load.js";
import { wranglerBin } from "../scripts/lib/wrangler-bin.js";
import { ROOT } from "../scripts/lib/root.js";
import { buildIndex } from "../scripts/push/index-build.js";
import { buildPlan } from "../scripts/push/plan.js";
import { push } from "../scripts/push/push.js";
import { openState } from "../scripts/state/db.js";
import { fillSyntheticState } from "./synthetic-state.js";
import { openLocalStore } from "../scripts/store/local-store.js";

const since = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e9;

export async function runPushThroughputBench(
  sizes = (process.env.PUSH_FILES ?? "10000,100000").split(",").map(Number),
  wranglerFloorMax = Number(process.env.WRANGLER_FLOOR_MAX ?? 10_000),
) {
  const out = [];
  for (const n of sizes) {
    const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-bench-push-"));
    try {
      const config = parseConfig(
        `[origin]\npath = "/nonexistent"\nurl = "https://o.example/"\n[[mirror]]\nid = 1\nname = "m"\nhttp = "http://m.example/"\ncountry = "DE"\n`,
        path.join(dir, "mirrorhop.toml"),
      );
      const db = openState(path.join(dir, "state.sqlite"));
      fillSyntheticState(db, n);
      // The floors' entries: exactly the first push's KV records.
      const plan = await buildPlan(db, buildIndex(db, config), { generation: "g" });
      const entries = plan.kvPut.map((p) => ({ key: p.key, value: Buffer.from(p.value()).toString("base64"), base64: true }));
      const target = { kind: "local" as const, persistTo: path.join(dir, "state") };

      let t = process.hrtime.bigint();
      const first = await push(db, config, target);
      const firstSeconds = since(t);
      t = process.hrtime.bigint();
      const none = await push(db, config, target);
      const noChangeSeconds = since(t);
      fillSyntheticState(db, n, 100, "b");
      t = process.hrtime.bigint();
      const one = await push(db, config, target);
      const onePercentSeconds = since(t);
      db.close();

      // Floor 1: the same entries through the local store's writer alone, in bulks of 10,000.
      const store = await openLocalStore({ kind: "local", persistTo: path.join(dir, "floor") });
      t = process.hrtime.bigint();
      for (let i = 0; i < entries.length; i += 10_000)
        await store.kvPut(entries.slice(i, i + 10_000).map((e) => ({ key: e.key, value: new Uint8Array(Buffer.from(e.value, "base64")) })));
      const writerFloorSeconds = since(t);
      await store.close();

      // Floor 2: wrangler's CLI, the previous push path.
      let wranglerFloorSeconds: number | null = null;
      if (n <= wranglerFloorMax) {
        t = process.hrtime.bigint();
        for (let i = 0; i < entries.length; i += 10_000) {
          const f = path.join(dir, `bulk-${i}.json`);
          writeFileSync(f, JSON.stringify(entries.slice(i, i + 10_000)));
          const r = spawnSync(
            process.execPath,
            [wranglerBin(), "kv", "bulk", "put", f, "--binding", "INDEX", "--local", "--persist-to", path.join(dir, "wrangler")],
            { cwd: ROOT, env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" }, encoding: "utf8" },
          );
          if (r.status !== 0) throw new Error(r.stderr);
        }
        wranglerFloorSeconds = since(t);
      }
      const r3 = (x: number) => Math.round(x * 1000) / 1000;
      out.push({
        files: n,
        kvWritesFirstPush: first.kvPut + first.kvDetailPut,
        firstPushSeconds: r3(firstSeconds),
        noChangeSeconds: r3(noChangeSeconds),
        noChangeWrites: none.kvPut + none.kvDelete + none.d1Statements,
        onePercentSeconds: r3(onePercentSeconds),
        onePercentRecords: one.kvPut,
        writerFloorSeconds: r3(writerFloorSeconds),
        firstPushToWriterFloor: r3(firstSeconds / writerFloorSeconds),
        wranglerFloorSeconds: wranglerFloorSeconds === null ? null : r3(wranglerFloorSeconds),
        firstPushToWranglerFloor: wranglerFloorSeconds === null ? null : r3(firstSeconds / wranglerFloorSeconds),
      });
      console.log(out.at(-1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
