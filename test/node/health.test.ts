/**
 * Edge probes end to end: real HTTP mirrors on loopback are stopped, emptied and made stale while
 * the Worker's scheduled() handler runs inside workerd (Miniflare) against local D1 and KV.
 */

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY, type HealthPolicy, type ReleasePolicy } from "../../src/core/policy.js";
import { type LocalEdge, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { type StaticServer, startStaticServer } from "../../scripts/lib/static-server.js";
import { writeIndex } from "../../scripts/lib/write-index.js";
import { file, mirror, table } from "../helpers/fixtures.js";

const NOW = Math.floor(Date.now() / 1000);
const HEALTH: HealthPolicy = { ...DEFAULT_POLICY.health, traceFile: "TIME", downAfter: 2, upAfter: 2, timeoutMs: 2000, maxLagSeconds: 86_400 };
const RELEASE: ReleasePolicy = { minMirrors: 2, minAgeSeconds: 6 * 3600, staged: ["releases/2.0/*"] };
const NAMES = ["alpha", "bravo", "charlie"] as const;

let tmp: string;
let origin: StaticServer;
const mirrors: Record<string, StaticServer> = {};
let edge: LocalEdge;

async function tree(root: string, trace: number) {
  await mkdir(path.join(root, "releases/1.0"), { recursive: true });
  await writeFile(path.join(root, "TIME"), `${trace}\n`);
  await writeFile(path.join(root, "releases/1.0/a.iso"), "a".repeat(8192));
}

async function cron() {
  const worker = await edge.mf.getWorker();
  await worker.scheduled({ cron: "*/5 * * * *" });
}

async function location(p: string): Promise<string> {
  const res = await fetch(new URL(p, edge.url), { redirect: "manual", headers: { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7" } });
  await res.arrayBuffer();
  expect(res.status).toBe(302);
  return res.headers.get("location")!;
}

const winnerName = async (p: string) => {
  const loc = await location(p);
  return Object.entries(mirrors).find(([, s]) => loc.startsWith(s.url))?.[0] ?? (loc.startsWith(origin.url) ? "origin" : loc);
};

async function explain(p: string) {
  const res = await fetch(new URL(`/_mirrorhop/explain/${p}`, edge.url), { headers: { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7" } });
  return (await res.json()) as { reason?: string; excluded: { name: string; reason: string }[]; winner: { name: string } | null; holders: number };
}

async function seed(files: Record<string, ReturnType<typeof file>>) {
  const ms = NAMES.map((name, i) => mirror({ id: i + 1, name, country: "DE", continent: "EU", urls: { http: mirrors[name]!.url } }));
  await writeIndex(edge, table(ms, { health: HEALTH, release: RELEASE, minSize: 1024 }), files);
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "mirrorhop-health-"));
  await tree(path.join(tmp, "origin"), NOW);
  origin = await startStaticServer(path.join(tmp, "origin"));
  for (const n of NAMES) {
    await tree(path.join(tmp, n), NOW);
    mirrors[n] = await startStaticServer(path.join(tmp, n));
  }
  edge = await startLocalEdge({ vars: { ORIGIN_URL: origin.url, MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0" } });
}, 60_000);

afterAll(async () => {
  await edge?.dispose();
  for (const s of Object.values(mirrors)) await s.stop();
  await origin?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describe("edge probes from scheduled()", () => {
  it("a stopped mirror loses its redirects after down_after failed rounds and regains them after up_after good ones", async () => {
    await seed({ "releases/1.0/a.iso": file([1, 2, 3], { size: 8192, changed: NOW - 30 * 86_400 }) });
    await cron();
    const first = await winnerName("releases/1.0/a.iso");
    expect(NAMES).toContain(first);

    const port = mirrors[first]!.port;
    await mirrors[first]!.stop();
    await cron();
    // One failure is not enough (hysteresis): the client still goes there.
    expect(await winnerName("releases/1.0/a.iso")).toBe(first);
    await cron();
    const second = await winnerName("releases/1.0/a.iso");
    expect(second).not.toBe(first);
    expect(NAMES).toContain(second);
    expect((await explain("releases/1.0/a.iso")).excluded.find((e) => e.name === first)?.reason).toBe("down for http");

    mirrors[first] = await startStaticServer(path.join(tmp, first), port);
    await cron();
    expect(await winnerName("releases/1.0/a.iso")).toBe(second);
    await cron();
    expect(await winnerName("releases/1.0/a.iso")).toBe(first);
  });

  it("a mirror whose base URL answers 200 but whose files are gone is marked down", async () => {
    await seed({ "releases/1.0/a.iso": file([1, 2, 3], { size: 8192, changed: NOW - 30 * 86_400 }) });
    const victim = await winnerName("releases/1.0/a.iso");
    const root = path.join(tmp, victim);
    await rm(root, { recursive: true });
    await mkdir(root);
    // The reinstalled web server: its base URL is fine.
    expect((await fetch(mirrors[victim]!.url)).status).toBe(200);
    await cron();
    await cron();
    expect(await winnerName("releases/1.0/a.iso")).not.toBe(victim);
    const res = await fetch(new URL("/_mirrorhop/api/status", edge.url));
    const status = (await res.json()) as { mirrors: { name: string; schemes: Record<string, { up: boolean; lastError: string | null }> }[] };
    const row = status.mirrors.find((m) => m.name === victim)!;
    expect(row.schemes.http!.up).toBe(false);
    expect(row.schemes.http!.lastError).toMatch(/HTTP 404/);
    await tree(root, NOW);
  });

  it("a mirror whose trace is older than max_lag_seconds takes no traffic", async () => {
    await seed({ "releases/1.0/a.iso": file([1, 2, 3], { size: 8192, changed: NOW - 30 * 86_400 }) });
    const stale = await winnerName("releases/1.0/a.iso");
    await writeFile(path.join(tmp, stale, "TIME"), `${NOW - 2 * 86_400}\n`);
    await cron();
    expect(await winnerName("releases/1.0/a.iso")).not.toBe(stale);
    const reason = (await explain("releases/1.0/a.iso")).excluded.find((e) => e.name === stale)?.reason;
    expect(reason).toMatch(/^172800 s behind the origin/);
    // Caught up: back in rotation at the next round (lag is not subject to hysteresis; the trace proves it).
    await writeFile(path.join(tmp, stale, "TIME"), `${NOW}\n`);
    await cron();
    expect(await winnerName("releases/1.0/a.iso")).toBe(stale);
  });
});

describe("release gating", () => {
  it("a new file goes to the origin until min_mirrors hold it; an old one goes to its one mirror", async () => {
    await seed({
      "releases/1.0/new.iso": file([2], { size: 8192, changed: NOW - 60 }),
      "releases/1.0/old.iso": file([2], { size: 8192, changed: NOW - 7 * 86_400 }),
    });
    await cron();
    expect(await winnerName("releases/1.0/new.iso")).toBe("origin");
    expect((await explain("releases/1.0/new.iso")).reason).toBe("release-gate");
    expect(await winnerName("releases/1.0/old.iso")).toBe("bravo");

    await seed({ "releases/1.0/new.iso": file([2, 3], { size: 8192, changed: NOW - 60 }) });
    expect(["bravo", "charlie"]).toContain(await winnerName("releases/1.0/new.iso"));
  });

  it("a staged path is not served until min_mirrors hold it, whatever its age", async () => {
    await seed({ "releases/2.0/b.iso": file([1], { size: 8192, changed: NOW - 30 * 86_400 }) });
    const res = await fetch(new URL("/releases/2.0/b.iso", edge.url), { redirect: "manual" });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("not yet released: /releases/2.0/b.iso is staged until 2 mirrors hold it (now 1)");
    const meta4 = await fetch(new URL("/releases/2.0/b.iso.meta4", edge.url));
    expect(meta4.status).toBe(404);
    await meta4.arrayBuffer();

    await seed({ "releases/2.0/b.iso": file([1, 3], { size: 8192, changed: NOW - 30 * 86_400 }) });
    expect(["alpha", "charlie"]).toContain(await winnerName("releases/2.0/b.iso"));
  });
});

describe("redirects seen by the edge's probe (workerd fetch, redirect: manual)", () => {
  const servers: http.Server[] = [];
  afterAll(async () => {
    for (const s of servers)
      await new Promise((r) => {
        s.closeAllConnections();
        s.close(r);
      });
  });
  async function serve(handler: http.RequestListener): Promise<string> {
    const s = http.createServer(handler);
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
  }

  it("a mirror that redirects within its base stays up; one that sends its trace to the origin goes down", async () => {
    const hopper = await serve((req, res) => {
      if (req.url === "/TIME") return void res.writeHead(301, { Location: "/current/TIME" }).end();
      if (req.url === "/current/TIME") return void res.writeHead(200).end(`${NOW}\n`);
      res.writeHead(404).end();
    });
    // What a mirror does that redirects every file it lacks to the origin: always "fresh" if followed.
    const leaker = await serve((req, res) => void res.writeHead(302, { Location: `${origin.url}${req.url!.slice(1)}` }).end());
    const ms = [
      mirror({ id: 1, name: "hopper", country: "DE", continent: "EU", urls: { http: hopper } }),
      mirror({ id: 2, name: "leaker", country: "DE", continent: "EU", urls: { http: leaker } }),
    ];
    await writeIndex(edge, table(ms, { health: HEALTH, minSize: 1024 }), { "releases/1.0/a.iso": file([1, 2], { size: 8192 }) });
    for (let i = 0; i < HEALTH.downAfter; i++) await cron();
    const e = await explain("releases/1.0/a.iso");
    expect(e.excluded.map((x) => [x.name, x.reason])).toEqual([["leaker", "down for http"]]);
    expect(e.winner?.name).toBe("hopper");
  });
});
