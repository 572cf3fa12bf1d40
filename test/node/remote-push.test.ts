/**
 * push --remote through Cloudflare's API client, against a loopback STAND-IN of the API (the real
 * one cannot be reached here; see test/helpers/cloudflare-api-standin.ts). The stand-in keeps what
 * it is sent in local D1/KV state, so a remote push is compared byte for byte with a local push of
 * the same scan: one write path, two targets. Faults: a retried 5xx, a bulk the API reports as
 * partly written (the push stops, says so, and the re-run resumes), a wrong token.
 */

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import type { Config } from "../../scripts/config/schema.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import { push } from "../../scripts/push/push.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { openLocalStore } from "../../scripts/store/local-store.js";
import type { IndexStore } from "../../scripts/store/store.js";
import type { Target } from "../../scripts/store/target.js";
import { bindingsOf } from "../../scripts/store/wrangler-config.js";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import { PUSH_STAMP_KEY } from "../../src/core/push-stamp.js";
import { startCloudflareStandIn, type StandIn } from "../helpers/cloudflare-api-standin.js";
import { dumpLocalState } from "../helpers/local-state.js";

const T0 = new Date("2026-11-01T12:00:00Z");
const TOKEN = "stand-in-token";
let tmp: string;
let server: StaticServer;
let backing: IndexStore;
let api: StandIn;
let config: Config;
const remote: Target = { kind: "remote", env: "production" };
const envBefore = { ...process.env };

function write(rel: string, size: number, seed: number) {
  for (const root of ["origin", "mirror"]) {
    const p = path.join(tmp, root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, Buffer.alloc(size, seed));
    utimesSync(p, T0, T0);
  }
}

async function scan(db: StateDb, now: number) {
  await scanOrigin(db, path.join(tmp, "origin"), { threads: 1, now });
  await scanMirrors(db, config, { now: now + 1 });
}

/** A store's contents without the push's timestamps (each push names its own generation and writes its own stamp). */
async function contents(dir: string) {
  const s = await dumpLocalState(dir);
  s.d1.meta = s.d1.meta!.filter((r) => (r as { key: string }).key !== "generation");
  // Format 3: the generation is on the header line.
  const [header, ...rest] = Buffer.from(s.kv[MIRROR_TABLE_KEY]!, "hex").toString("utf8").split("\n");
  const t = JSON.parse(header!);
  delete t.generation;
  s.kv[MIRROR_TABLE_KEY] = [JSON.stringify(t), ...rest].join("\n");
  // Present in both, with each push's own time.
  expect(Object.keys(JSON.parse(Buffer.from(s.kv[PUSH_STAMP_KEY]!, "hex").toString("utf8")))).toEqual(["at"]);
  delete s.kv[PUSH_STAMP_KEY];
  return s;
}

/** The same scan state pushed once, locally, into a fresh directory. */
async function localTwin(db: StateDb, name: string) {
  const copyFile = path.join(tmp, `${name}.sqlite`);
  db.exec(`VACUUM INTO '${copyFile}'`);
  const copy = openState(copyFile);
  copy.exec("DELETE FROM pushed_files; DELETE FROM pushed_dirs; DELETE FROM pushed_packs; DELETE FROM pushed_meta;");
  await push(copy, config, { kind: "local", persistTo: path.join(tmp, name) });
  copy.close();
  return contents(path.join(tmp, name));
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-remote-"));
  for (let i = 0; i < 9; i++) write(`pub/r${i % 3}/f${i}.iso`, 8_000 + i * 100, i);
  server = await startStaticServer(path.join(tmp, "mirror"));
  config = parseConfig(
    `[origin]\npath = ${JSON.stringify(path.join(tmp, "origin"))}\nurl = "http://origin.test/"\n[[mirror]]\nid = 1\nname = "one"\nhttp = "${server.url}"\ncountry = "DE"\n`,
    path.join(tmp, "mirrorhop.toml"),
  );
  const b = bindingsOf(remote);
  backing = await openLocalStore({ kind: "local", persistTo: path.join(tmp, "remote") });
  api = await startCloudflareStandIn({ token: TOKEN, account: "acc0", databaseId: b.databaseId, namespaceId: b.namespaceId, backing });
  Object.assign(process.env, { CLOUDFLARE_API_TOKEN: TOKEN, CLOUDFLARE_ACCOUNT_ID: "acc0", CLOUDFLARE_BASE_URL: api.baseUrl });
}, 60_000);

afterAll(async () => {
  process.env = envBefore;
  await api?.stop();
  await backing?.close();
  await server?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("push --remote (against a stand-in of Cloudflare's API)", () => {
  it("writes exactly what a local push writes, in bulks, at most four in flight, and a no-change push sends nothing", async () => {
    const db = openState(path.join(tmp, "state.sqlite"));
    try {
      await scan(db, Math.floor(Date.now() / 1000));
      const r = await push(db, config, remote, { kvBulkMax: 2 });
      expect(r.kvPut).toBe(9);
      expect(await contents(path.join(tmp, "remote"))).toEqual(await localTwin(db, "twin-1"));
      const puts = api.requests.filter((q) => q.endpoint === "kv-put");
      // Records (9), a detail pack per directory of files (the three below pub/), listings (/, pub/,
      // three below), the mirror table, the push stamp.
      expect([r.kvPut, r.kvDetailPut]).toEqual([9, 3]);
      expect(puts.map((q) => q.entries).reduce((a, b) => a + b, 0)).toBe(9 + 3 + 5 + 2);
      expect(Math.max(...puts.map((q) => q.entries))).toBe(2);
      expect(api.maxInFlight["kv-put"]).toBeLessThanOrEqual(4);
      expect(api.maxInFlight["d1-query"]).toBe(1);

      const before = api.requests.length;
      const again = await push(db, config, remote);
      expect([again.kvPut, again.d1Statements, again.tableWritten]).toEqual([0, 0, false]);
      expect(api.requests.length).toBe(before);
    } finally {
      db.close();
    }
  }, 120_000);

  it("retries a 5xx; stops on keys the API did not write, says so, and the re-run resumes to the same store", async () => {
    const db = openState(path.join(tmp, "state.sqlite"));
    try {
      for (let i = 9; i < 15; i++) write(`pub/new/f${i}.iso`, 9_000 + i, i);
      await scan(db, Math.floor(Date.now() / 1000) + 100);
      api.fault("d1-query", { kind: "http-500", times: 1 });
      // The first put is the new directory's detail pack; the fault hits a bulk of records.
      api.fault("kv-put", { kind: "unsuccessful-keys", times: 1, skip: 1 });
      await expect(push(db, config, remote, { kvBulkMax: 2 })).rejects.toThrow(/KV bulk write.*1 keys were not written.*run the push again, it resumes/);
      const resumed = await push(db, config, remote, { kvBulkMax: 2 });
      // The first run recorded what landed: only the rest is written again.
      expect(resumed.kvPut).toBeLessThan(6);
      expect(await contents(path.join(tmp, "remote"))).toEqual(await localTwin(db, "twin-2"));
    } finally {
      db.close();
    }
  }, 120_000);

  it("refuses a wrong token with the API's message and writes nothing; says which variables it needs", async () => {
    const db = openState(path.join(tmp, "state.sqlite"));
    try {
      write("pub/late.iso", 7_000, 99);
      await scan(db, Math.floor(Date.now() / 1000) + 200);
      const before = await contents(path.join(tmp, "remote"));
      process.env.CLOUDFLARE_API_TOKEN = "wrong";
      await expect(push(db, config, remote)).rejects.toThrow(/Authentication error/);
      delete process.env.CLOUDFLARE_API_TOKEN;
      await expect(push(db, config, remote)).rejects.toThrow("--remote needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID");
      expect(await contents(path.join(tmp, "remote"))).toEqual(before);
    } finally {
      process.env.CLOUDFLARE_API_TOKEN = TOKEN;
      db.close();
    }
  }, 60_000);
});
