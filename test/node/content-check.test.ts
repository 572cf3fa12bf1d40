/** Same size, other bytes: a sampled claim whose content differs from the origin's is voided; the mirror keeps the rest. */

import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import { type StaticServer, startStaticServer } from "../../scripts/lib/static-server.js";
import { buildIndex } from "../../scripts/push/index-build.js";
import { checkContent } from "../../scripts/scan/content-check.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";

let dir: string;
let db: StateDb;
let mirror: StaticServer;
const T = new Date("2026-11-01T12:00:00Z");

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-content-"));
  const origin = path.join(dir, "origin");
  mkdirSync(path.join(origin, "rel"), { recursive: true });
  for (const name of ["same-size.iso", "good.iso", "SHA256SUMS"]) {
    writeFileSync(path.join(origin, "rel", name), randomBytes(name === "SHA256SUMS" ? 5000 : 700_000));
    utimesSync(path.join(origin, "rel", name), T, T);
  }
  const m = path.join(dir, "m");
  cpSync(origin, m, { recursive: true, preserveTimestamps: true });
  // Rewritten in place with other bytes of the same size and mtime: no listing can tell.
  for (const name of ["same-size.iso", "SHA256SUMS"]) {
    const p = path.join(m, "rel", name);
    writeFileSync(p, randomBytes(statSync(p).size));
    utimesSync(p, T, T);
  }
  mirror = await startStaticServer(m);
  db = openState(path.join(dir, "state.sqlite"));
  await scanOrigin(db, origin, { threads: 1 });
}, 60_000);

afterAll(async () => {
  await mirror?.stop();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (scan: string) =>
  parseConfig(
    `[origin]\npath = "${path.join(dir, "origin")}"\nurl = "https://get.example/pub/"\n[scan]\nprotocols = ["http"]\n${scan}\n[[mirror]]\nid = 1\nname = "m"\nhttp = "${mirror.url}"\ncountry = "DE"\n`,
    path.join(dir, "mirrorhop.toml"),
  );
const held = (c: ReturnType<typeof config>) =>
  buildIndex(db, c)
    .files.filter((f) => f.record.mirrors.includes(1))
    .map((f) => f.path);

describe("content spot checks", () => {
  it("a claim whose random piece differs is voided and reported; the mirror keeps its other claims", async () => {
    const c = config("verify = 16\nverify_content = 16");
    const [r] = await scanMirrors(db, c);
    expect(r!.ok).toBe(true);
    expect(r!.verified?.content).toEqual({ checked: 3, mismatches: ["rel/SHA256SUMS", "rel/same-size.iso"], inconclusive: 0 });
    expect(held(c)).toEqual(["rel/good.iso"]);
  });

  it("with verify_content = 0 the listing's word counts, as before", async () => {
    const c = config("verify = 16\nverify_content = 0");
    await scanMirrors(db, c);
    expect(held(c)).toEqual(["rel/SHA256SUMS", "rel/good.iso", "rel/same-size.iso"]);
  });

  it("an answer that proves nothing voids nothing", async () => {
    const pieces = { pieceSize: 4, pieces: new Uint8Array(64) };
    const signal = AbortSignal.timeout(1000);
    const r = await checkContent(
      "http://x/",
      [{ path: "a", size: 8 }],
      () => pieces,
      4,
      signal,
      async () => null,
    );
    expect(r).toEqual({ checked: 1, mismatches: [], inconclusive: 1 });
  });
});
