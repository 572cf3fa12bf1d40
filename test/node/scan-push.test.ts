/**
 * The offline side end to end, against real servers on loopback: HTTP mirrors with autoindex
 * listings, an rsync daemon, an FTP server, a hostile HTTP server; then `push --local` through
 * wrangler and the Worker (`wrangler dev`) redirecting by what was pushed.
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import type { Config } from "../../scripts/config/schema.js";
import { hasRsync, type RsyncDaemon, startRsyncDaemon } from "../../scripts/lib/rsync-daemon.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import { buildIndex } from "../../scripts/push/index-build.js";
import { push } from "../../scripts/push/push.js";
import { rebuildPushState } from "../../scripts/push/rebuild-state.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { startFtpServer } from "../helpers/ftp-server.js";
import { startWranglerDev } from "../helpers/wrangler-dev.js";

const T0 = new Date("2026-11-01T12:00:00Z");
const BIG = "releases/1.0/big.iso";
const SPACES = "releases/1.0/name with spaces.iso";
const UTF8 = "releases/1.0/café-ü.iso";
const CHANGED = "releases/1.0/changed.iso";
const DELETED = "releases/1.0/deleted.iso";

let tmp: string;
let origin: string;
let db: StateDb;
let config: Config;
const stops: (() => Promise<void>)[] = [];
const dirs: Record<string, string> = {};
let hostileMode: "ok" | "hang" | "loop" | "garbage" | "huge" = "ok";

function fill(p: string, size: number, seed: number) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, b);
  utimesSync(p, T0, T0);
}

function copyTree(name: string, only?: string[]): string {
  const d = path.join(tmp, "mirrors", name);
  if (only)
    for (const f of only) {
      mkdirSync(path.dirname(path.join(d, f)), { recursive: true });
      cpSync(path.join(origin, f), path.join(d, f), { preserveTimestamps: true });
    }
  else cpSync(origin, d, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  dirs[name] = d;
  return d;
}

/** An HTTP server that misbehaves on demand: hangs, loops redirects, sends garbage or a 10^5-entry listing. */
async function startHostile(): Promise<string> {
  const huge = ["<html><body><pre>"];
  for (let i = 0; i < 100_000; i++) huge.push(`<a href="f${i}.bin">f${i}.bin</a>                                      01-Nov-2026 12:00             ${i}`);
  huge.push("</pre></body></html>");
  const hugeHtml = huge.join("\n");
  const s = http.createServer((req, res) => {
    if (hostileMode === "hang") return; // never answers
    if (hostileMode === "loop") return void res.writeHead(302, { Location: req.url === "/a/" ? "/b/" : "/a/" }).end();
    if (hostileMode === "garbage")
      return void res
        .writeHead(200, { "Content-Type": "text/html" })
        .end(`<a href="../../etc/">x</a><a href='//evil/'>y</a><a href="ok.iso">ok.iso</a> 01-Nov-2026 12:00 12345 <<<<<a href=">\u0000<script>`);
    if (hostileMode === "huge") return void res.writeHead(200, { "Content-Type": "text/html" }).end(hugeHtml);
    res.writeHead(200, { "Content-Type": "text/html" }).end(`<a href="big.iso">big.iso</a> 01-Nov-2026 12:00 1`);
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  stops.push(
    () =>
      new Promise((r) => {
        s.closeAllConnections();
        s.close(() => r());
      }),
  );
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-e2e-"));
  origin = path.join(tmp, "origin");
  fill(path.join(origin, BIG), 300_000, 1);
  fill(path.join(origin, SPACES), 50_000, 2);
  fill(path.join(origin, UTF8), 60_000, 3);
  fill(path.join(origin, CHANGED), 70_000, 4);
  fill(path.join(origin, DELETED), 80_000, 5);
  symlinkSync("releases/1.0", path.join(origin, "latest"));
  symlinkSync("/etc/passwd", path.join(origin, "escape"));
  symlinkSync("loop", path.join(origin, "loop"));

  const servers: Record<string, StaticServer> = {};
  for (const [name, only] of [
    ["full", undefined],
    ["partial", [BIG]],
    ["wrongsize", undefined],
  ] as const) {
    copyTree(name, only as string[] | undefined);
    servers[name] = await startStaticServer(dirs[name]!);
    stops.push(() => servers[name]!.stop());
  }
  truncateSync(path.join(dirs.wrongsize!, BIG), 299_999);
  utimesSync(path.join(dirs.wrongsize!, BIG), T0, T0);
  copyTree("ftp");
  const ftp = await startFtpServer(dirs.ftp!);
  stops.push(ftp.stop);
  // Where clients are sent, and where the scan checks what the FTP listing claims.
  const ftpHttp = await startStaticServer(dirs.ftp!);
  stops.push(() => ftpHttp.stop());
  const hostile = await startHostile();
  let rsyncLines = "";
  if (hasRsync()) {
    copyTree("stale");
    // Same size, older mtime: an rsync listing (second resolution) shows it is not the origin's version.
    utimesSync(path.join(dirs.stale!, BIG), new Date(T0.getTime() - 3600_000), new Date(T0.getTime() - 3600_000));
    const rsyncd: RsyncDaemon = await startRsyncDaemon(dirs.stale!);
    stops.push(rsyncd.stop);
    const staleHttp = await startStaticServer(dirs.stale!);
    stops.push(() => staleHttp.stop());
    rsyncLines = `[[mirror]]\nid = 5\nname = "stale"\nrsync = "${rsyncd.url}"\nhttp = "${staleHttp.url}"\ncountry = "SE"\n`;
  }
  const text = `[origin]
path = ${JSON.stringify(origin)}
url = "http://origin.test/pub/"
[scan]
protocols = ["rsync", "ftp", "http"]
timeout_seconds = 20
[[mirror]]
id = 1
name = "full"
http = "${servers.full!.url}"
country = "DE"
[[mirror]]
id = 2
name = "partial"
http = "${servers.partial!.url}"
country = "FR"
[[mirror]]
id = 3
name = "wrongsize"
http = "${servers.wrongsize!.url}"
country = "NL"
[[mirror]]
id = 4
name = "ftp"
ftp = "${ftp.url}"
http = "${ftpHttp.url}"
country = "US"
[[mirror]]
id = 6
name = "hostile"
http = "${hostile}"
country = "JP"
timeout_seconds = 2
${rsyncLines}`;
  config = parseConfig(text, path.join(tmp, "mirrorhop.toml"));
  db = openState(path.join(tmp, "state.sqlite"));
}, 60_000);

afterAll(async () => {
  for (const s of stops.reverse()) await s().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

const holders = (p: string) => {
  const f = buildIndex(db, config).files.find((x) => x.path === p);
  if (!f) return undefined;
  return f.record.mirrors.map((id) => config.mirrors.find((m) => m.id === id)!.name).sort();
};

describe("scan origin", () => {
  it("hashes the tree, keeps symlinks inside it as aliases, reports the ones that escape or loop", async () => {
    const r = await scanOrigin(db, origin, { threads: 2 });
    expect(r.files).toBe(10);
    expect(r.aliases).toBe(5);
    expect(r.skipped.map((s) => [s.path, s.reason.replace(/ to .*? /, " ")])).toEqual([
      ["escape", "symlink leaves the tree"],
      ["loop", "symlink dangles or loops"],
    ]);
    const big = db.prepare("SELECT sha256, piece_size, length(pieces) AS n FROM origin_files WHERE path = ?").get(BIG) as {
      sha256: string;
      piece_size: number;
      n: number;
    };
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    expect(big.sha256).toBe(
      createHash("sha256")
        .update(readFileSync(path.join(origin, BIG)))
        .digest("hex"),
    );
    expect(big).toMatchObject({ piece_size: 262144, n: 64 });
    expect(db.prepare("SELECT alias_of FROM origin_files WHERE path = ?").get("latest/big.iso")).toEqual({ alias_of: BIG });
  });

  it("never hashes an unchanged file twice", async () => {
    const r = await scanOrigin(db, origin, { threads: 2 });
    expect([r.hashed, r.cached, r.changed]).toEqual([0, 5, 0]);
  });
});

describe("scan mirrors", () => {
  it("lists every mirror over its protocol and reports the hostile one with name and URL", async () => {
    hostileMode = "hang";
    const results = await scanMirrors(db, config);
    const by = Object.fromEntries(results.map((r) => [r.mirror, r]));
    expect(by.full).toMatchObject({ ok: true, protocol: "http", entries: 10 });
    expect(by.partial).toMatchObject({ ok: true, entries: 1 });
    // ftp-srv follows the copied `escape` link out of its root: an 11th entry, which the index
    // ignores because the origin skipped that path.
    expect(by.ftp).toMatchObject({ ok: true, protocol: "ftp", entries: 11 });
    expect(holders("escape")).toBeUndefined();
    if (hasRsync()) expect(by.stale).toMatchObject({ ok: true, protocol: "rsync", entries: 10 });
    expect(by.hostile!.ok).toBe(false);
    expect(by.hostile!.error).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/: timed out$/);
  }, 60_000);

  it("a mirror holds a file only with the same size and, where listed, the same mtime", () => {
    expect(holders(BIG)).toEqual(["ftp", "full", "partial"]);
    // wrongsize and stale are wrong about big.iso only.
    expect(holders(SPACES)).toEqual(["ftp", "full", ...(hasRsync() ? ["stale"] : []), "wrongsize"]);
    expect(holders(UTF8)).toEqual(["ftp", "full", ...(hasRsync() ? ["stale"] : []), "wrongsize"]);
    expect(holders("latest/big.iso")).toEqual(["ftp", "full"]);
    // Through the link: rsync lists `latest -> releases/1.0` as a symlink, resolved against its own listing.
    expect(holders("latest/name with spaces.iso")).toEqual(holders(SPACES));
  });

  it("survives redirect loops, garbage HTML and a 10^5-entry listing; a failed scan changes nothing", async () => {
    hostileMode = "huge";
    const [huge] = await scanMirrors(db, config, { names: ["hostile"] });
    expect(huge).toMatchObject({ ok: true, entries: 100_000 });
    hostileMode = "loop";
    const [loop] = await scanMirrors(db, config, { names: ["hostile"], subtree: "a" });
    expect(loop!.ok).toBe(false);
    expect(loop!.error).toMatch(/redirects|loop/);
    hostileMode = "garbage";
    const [garbage] = await scanMirrors(db, config, { names: ["hostile"] });
    expect(garbage).toMatchObject({ ok: true, entries: 1 });
    const rows = db.prepare("SELECT path FROM mirror_files WHERE mirror_id = 6").all() as { path: string }[];
    expect(rows.map((r) => r.path)).toEqual(["ok.iso"]);
    hostileMode = "hang";
    const [hang] = await scanMirrors(db, config, { names: ["hostile"] });
    expect(hang!.ok).toBe(false);
    expect((db.prepare("SELECT path FROM mirror_files WHERE mirror_id = 6").all() as { path: string }[]).map((r) => r.path)).toEqual(["ok.iso"]);
    await expect(scanMirrors(db, config, { names: ["nope"] })).rejects.toThrow(/no such mirror in .*mirrorhop.toml: nope/);
  }, 60_000);
});

describe("push --local and the Worker", () => {
  let persist: string;
  beforeAll(() => {
    persist = path.join(tmp, "wrangler-state");
  });

  it("pushes the index; the Worker redirects only to mirrors holding the version; a no-change rescan pushes nothing", async () => {
    const first = await push(db, config, { kind: "local", persistTo: persist });
    expect(first.kvPut).toBe(10);
    expect(first.tableWritten).toBe(true);
    await scanOrigin(db, origin, { threads: 2 });
    await scanMirrors(db, config, { names: ["full", "partial", "ftp"] });
    // Nothing the index reads changed (the origin rescan touched only stat identities, the
    // mirrors listed what they had): the push has no path to recompute.
    expect(db.prepare("SELECT count(*) AS n FROM dirty_paths").get()).toEqual({ n: 0 });
    const again = await push(db, config, { kind: "local", persistTo: persist });
    // The rescan moved each mirror's last-scan time: only those statistics are written.
    expect([again.d1Statements, again.kvPut, again.kvDelete, again.tableWritten, again.statsWritten]).toEqual([0, 0, 0, false, true]);

    const w = await startWranglerDev(persist, { ORIGIN_URL: "http://origin.test/pub/" });
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const res = await fetch(`${w.url}/${BIG}`, { redirect: "manual", headers: { "x-debug-ip": `198.51.${i}.1`, "x-debug-country": "BR" } });
        expect(res.status).toBe(302);
        seen.add(res.headers.get("x-mirrorhop-mirror")!);
      }
      expect([...seen].every((m) => ["full", "partial", "ftp"].includes(m))).toBe(true);
      const sp = await fetch(`${w.url}/releases/1.0/name%20with%20spaces.iso`, { redirect: "manual", headers: { "x-debug-country": "DE" } });
      expect(sp.headers.get("location")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/releases\/1\.0\/name%20with%20spaces\.iso$/);
      // A symlink the scan refused is not in the index: the origin decides what it serves there.
      const escaped = await fetch(`${w.url}/escape`, { redirect: "manual" });
      expect([escaped.status, escaped.headers.get("location"), escaped.headers.get("x-mirrorhop-tier")]).toEqual([
        302,
        "http://origin.test/pub/escape",
        "unknown-path",
      ]);
      // The detail record the push rendered from the state: SHA-512 and every piece hash of the file.
      const { createHash } = await import("node:crypto");
      const { readFileSync } = await import("node:fs");
      const bytes = readFileSync(path.join(origin, BIG));
      const meta4 = await (await fetch(`${w.url}/${BIG}.meta4`)).text();
      expect(meta4).toContain(`<hash type="sha-512">${createHash("sha512").update(bytes).digest("hex")}</hash>`);
      const pieces = [bytes.subarray(0, 262144), bytes.subarray(262144)].map((b) => `<hash>${createHash("sha256").update(b).digest("hex")}</hash>`);
      expect(meta4).toMatch(new RegExp(`<pieces length="262144" type="sha-256">\\s*${pieces.join("\\s*")}\\s*</pieces>`));
    } finally {
      await w.stop();
    }
  }, 180_000);

  it("a file changed on the origin loses every claim until a rescan sees the new version; a deleted one disappears", async () => {
    fill(path.join(origin, CHANGED), 70_000, 99);
    const later = new Date(T0.getTime() + 7200_000);
    utimesSync(path.join(origin, CHANGED), later, later);
    rmSync(path.join(origin, DELETED));
    const r = await scanOrigin(db, origin, { threads: 2, now: Math.floor(Date.now() / 1000) + 10 });
    expect(r.changed).toBeGreaterThanOrEqual(2);
    expect(r.removed).toBeGreaterThanOrEqual(2);
    expect(holders(CHANGED)).toEqual([]);
    expect(holders(DELETED)).toBeUndefined();
    // full gets the new version; a rescan that starts after the change sees it.
    cpSync(path.join(origin, CHANGED), path.join(dirs.full!, CHANGED), { preserveTimestamps: true });
    await scanMirrors(db, config, { names: ["full", "ftp"], now: Math.floor(Date.now() / 1000) + 20 });
    expect(holders(CHANGED)).toEqual(["full"]);
    const p = await push(db, config, { kind: "local", persistTo: path.join(tmp, "wrangler-state") });
    expect(p.kvDelete).toBe(2);
    expect(p.kvPut).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it("a lost push state is rebuilt from D1: the next push writes no file record again", async () => {
    const target = { kind: "local" as const, persistTo: path.join(tmp, "wrangler-state") };
    const files = (db.prepare("SELECT count(*) AS n FROM pushed_files").get() as { n: number }).n;
    db.exec("DELETE FROM pushed_files; DELETE FROM pushed_meta;");
    const dry = await push(db, config, target, { dryRun: true });
    // The dry run's plan files are the caller's to remove.
    rmSync(dry.planDir!, { recursive: true, force: true });
    expect(dry.kvPut).toBe(files);
    expect(await rebuildPushState(db, target)).toEqual({ files, mirrors: config.mirrors.length });
    const p = await push(db, config, target);
    expect([p.kvPut, p.kvDelete]).toEqual([0, 0]);
  }, 120_000);

  it("a mirror leaving the config is disabled at the edge before its records change, then removed", async () => {
    const target = { kind: "local" as const, persistTo: path.join(tmp, "wrangler-state") };
    const without = { ...config, mirrors: config.mirrors.filter((m) => m.name !== "partial") };
    const { buildPlan } = await import("../../scripts/push/plan.js");
    const plan = await buildPlan(db, buildIndex(db, without), { generation: "g" });
    expect(plan.transitionTable?.mirrors.find((m) => m.name === "partial")?.enabled).toBe(false);
    expect(plan.table?.mirrors.some((m) => m.name === "partial")).toBe(false);
    expect(plan.kvPut.map((p) => p.path)).toContain(BIG);
    await push(db, without, target);
    const { d1Query } = await import("../helpers/wrangler-cli.js");
    expect((await d1Query<{ name: string }>(target, "SELECT name FROM mirrors ORDER BY id")).map((r) => r.name)).not.toContain("partial");
    const big = await d1Query<{ m: string }>(target, `SELECT hex(mirrors) AS m FROM files WHERE path = '${BIG}'`);
    expect(big[0]!.m).toBe("12"); // bits 1 (full) and 4 (ftp): 0b10010
  }, 120_000);
});
