/**
 * Download statistics end to end: downloads through `wrangler dev` counted into local D1, read back
 * by `mirrorhop stats` (the same SQL through wrangler) and by the Worker's own API; and the
 * Analytics Engine reader, Worker and CLI, against a loopback stand-in of Cloudflare's SQL API
 * (the real one cannot be reached here, and locally Analytics Engine keeps no data points).
 */

import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import type { StatsView } from "../../src/stats/stats-view.js";
import { policyWithDefaults } from "../../src/core/policy.js";
import { writeIndex } from "../../scripts/lib/write-index.js";
import { file, mirror } from "../helpers/fixtures.js";
import { startWranglerDev } from "../helpers/wrangler-dev.js";

const require = createRequire(import.meta.url);
let tmp: string;
let origin: StaticServer;
const persist = () => path.join(tmp, "wrangler-state");

function cli(env: Record<string, string>, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("tsx/cli"), path.join(ROOT, "scripts/mirrorhop.ts"), ...args], {
      cwd: tmp,
      env: { ...process.env, CI: "true", CLOUDFLARE_CF_FETCH_ENABLED: "false", MIRRORHOP_STATE: path.join(tmp, "state.sqlite"), ...env },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

let big: StaticServer;
let small: StaticServer;
const CONFIG = () => `[origin]
path = "origin"
url = "${origin.url}"
[scan]
protocols = ["http"]
[[mirror]]
id = 1
name = "big"
http = "${big.url}"
country = "DE"
weight = 200
[[mirror]]
id = 2
name = "small"
http = "${small.url}"
country = "DE"
weight = 100
`;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-stats-"));
  mkdirSync(path.join(tmp, "origin/releases"), { recursive: true });
  writeFileSync(path.join(tmp, "origin/releases/a.iso"), Buffer.alloc(50_000, 1));
  origin = await startStaticServer(path.join(tmp, "origin"));
  big = await startStaticServer(path.join(tmp, "origin"));
  small = await startStaticServer(path.join(tmp, "origin"));
  writeFileSync(path.join(tmp, "mirrorhop.toml"), CONFIG());
});
afterAll(async () => {
  for (const s of [origin, big, small]) await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("mirrorhop stats", () => {
  it("reports from local D1 what the Worker counted, as the Worker's own API does", async () => {
    for (const step of [
      ["scan", "origin"],
      ["scan", "mirrors"],
      ["push", "--local", "--persist-to", persist()],
    ]) {
      const r = await cli({}, ...step);
      expect(r.code, `${step.join(" ")}: ${r.err}`).toBe(0);
    }

    const w = await startWranglerDev(persist());
    let api: StatsView;
    try {
      for (let i = 0; i < 60; i++) {
        const res = await fetch(`${w.url}/releases/a.iso`, { redirect: "manual", headers: { "x-debug-country": "DE", "x-debug-ip": `10.0.${i}.1` } });
        expect(res.status).toBe(302);
      }
      await fetch(`${w.url}/releases/a.iso`, { method: "HEAD", redirect: "manual", headers: { "x-debug-country": "DE", "x-debug-ip": "10.1.0.1" } });
      expect((await fetch(`${w.url}/releases/a.iso.meta4`, { headers: { "x-debug-country": "DE", "x-debug-ip": "10.1.0.1" } })).status).toBe(200);
      // The counts are written after each response: the report waits until all of them are in.
      for (let i = 0; i < 40; i++) {
        api = (await (await fetch(`${w.url}/_mirrorhop/api/stats`)).json()) as StatsView;
        if (api.totals.download.events7d === 60 && api.totals.metalink.events7d === 1) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      await w.stop();
    }
    expect(api!.totals.download.events7d).toBe(60);

    const json = await cli({}, "stats", "--local", "--persist-to", persist(), "--json");
    expect(json.err).toBe("");
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as StatsView;
    expect(report.totals).toEqual(api!.totals);
    expect(report.mirrors.map((m) => [m.name, m.weightShare, m.downloads.events7d])).toEqual(
      api!.mirrors.map((m) => [m.name, m.weightShare, m.downloads.events7d]),
    );
    expect(report.units).toEqual([{ unit: "releases/a.iso", events1d: 61, bytes1d: 60 * 50_000, events7d: 61, bytes7d: 60 * 50_000 }]);

    const text = await cli({}, "stats", "--local", "--persist-to", persist());
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/today 60, 7 days 60/);
    expect(text.out).toMatch(/big\s+66\.7 %\s+\d+/);
    expect(text.out).toMatch(/documents \(7 days\): 1 Metalinks/);

    const unsaid = await cli({}, "stats");
    expect(unsaid.code).toBe(2);
    expect(unsaid.err).toMatch(/stats --local or stats --remote/);
  }, 180_000);
});

describe("Analytics Engine, read through a stand-in of its SQL API", () => {
  let server: Server;
  let url: string;
  const seen: { auth: string | undefined; sql: string }[] = [];
  beforeAll(async () => {
    // Answers like the SQL API (FORMAT JSON: numbers as strings for 64-bit sums): one mirror row, one file, one country.
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        seen.push({ auth: req.headers.authorization, sql: body });
        if (req.headers.authorization !== "Bearer sekret") return void res.writeHead(403).end('{"errors":[{"message":"bad token"}]}');
        const counts = { events1d: "3", bytes1d: "300", events7d: "12", bytes7d: "1200" };
        const data = body.includes("AS mirrorId")
          ? [
              { mirrorId: "1", kind: "download", tier: "country", ...counts },
              { mirrorId: "0", kind: "download", tier: "small-file", events1d: "1", bytes1d: "1", events7d: "4", bytes7d: "4" },
            ]
          : body.includes("AS unit")
            ? [{ unit: "releases/a.iso", ...counts }]
            : [{ country: "DE", ...counts }];
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ meta: [], data, rows: data.length }));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("the Worker's status API and page show what the SQL API answers", async () => {
    const edge = await startLocalEdge({
      vars: { STATS_STORE: "analytics-engine", STATS_API_TOKEN: "sekret", STATS_SQL_URL: url, STATS_DATASET: "mirrorhop_test", STATS_CACHE_SECONDS: "0" },
    });
    try {
      const t = {
        format: 1 as const,
        generation: "t",
        policy: policyWithDefaults({}),
        mirrors: [mirror({ id: 1, name: "big", country: "DE", continent: "EU" })],
      };
      await writeIndex(edge, t, { "releases/a.iso": file([1]) });
      const v = (await (await fetch(new URL("/_mirrorhop/api/stats", edge.url))).json()) as StatsView;
      expect(v.store).toBe("analytics-engine");
      expect(v.totals.download).toEqual({ events1d: 4, bytes1d: 301, events7d: 16, bytes7d: 1204 });
      expect(v.mirrors[0]).toMatchObject({ name: "big", downloads: { events7d: 12 }, share: { events7d: 1 } });
      expect(v.origin.byReason).toEqual({ "small-file": { events1d: 1, bytes1d: 1, events7d: 4, bytes7d: 4 } });
      const page = await (await fetch(new URL("/_mirrorhop/status", edge.url))).text();
      expect(page).toContain('data-stats-mirror="big"');
      const queries = seen.splice(0).map((s) => s.sql);
      expect(queries.every((q) => q.includes("FROM mirrorhop_test") && q.endsWith("FORMAT JSON"))).toBe(true);
      expect(queries.every((q) => q.includes("_sample_interval"))).toBe(true);
    } finally {
      await edge.dispose();
    }
  });

  it("mirrorhop stats --remote reads it too, and says what is missing without a token", async () => {
    const ok = await cli({ CLOUDFLARE_ACCOUNT_ID: "acc", CLOUDFLARE_API_TOKEN: "sekret", MIRRORHOP_STATS_SQL_URL: url }, "stats", "--remote", "--json");
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as StatsView).units).toEqual([{ unit: "releases/a.iso", events1d: 3, bytes1d: 300, events7d: 12, bytes7d: 1200 }]);
    expect(seen.at(-1)?.sql).toContain("FROM mirrorhop_downloads");
    const denied = await cli({ CLOUDFLARE_ACCOUNT_ID: "acc", CLOUDFLARE_API_TOKEN: "wrong", MIRRORHOP_STATS_SQL_URL: url }, "stats", "--remote");
    expect(denied.code).not.toBe(0);
    expect(denied.err).toMatch(/SQL API answered 403/);
    const missing = await cli({ CLOUDFLARE_ACCOUNT_ID: "", CLOUDFLARE_API_TOKEN: "" }, "stats", "--remote");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/needs CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN/);
  }, 60_000);
});
