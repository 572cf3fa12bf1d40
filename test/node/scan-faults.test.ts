/**
 * `scan mirrors` against mirrors that fail the way real ones do, all on loopback: an HTTP mirror
 * that stalls or drops the connection in the middle of a listing, an rsync daemon that accepts and
 * says nothing, a symlink loop served over FTP and HTTP, a mirror whose rsync module and web root
 * disagree (its listing lies), and a 10^6-line listing.
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import { hasRsync, startRsyncDaemon } from "../../scripts/lib/rsync-daemon.js";
import { startStaticServer } from "../../scripts/lib/static-server.js";
import { buildIndex } from "../../scripts/push/index-build.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { StagedListing } from "../../scripts/scan/staging.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { startFtpServer } from "../helpers/ftp-server.js";

const T0 = new Date("2026-11-01T12:00:00Z");
const FILES: Record<string, number> = { "pub/1.0/a.iso": 30_000, "pub/1.0/b.iso": 40_000, "pub/2.0/c.iso": 50_000 };
const HUGE_LINES = 1_000_000;

let tmp: string;
let db: StateDb;
let text: string;
const stops: (() => Promise<void>)[] = [];
let mode: "ok" | "stall" | "reset" = "ok";

/** An nginx-style autoindex page of one directory of FILES. */
function autoindex(dir: string): string | undefined {
  const names = new Map<string, number | undefined>();
  for (const [p, size] of Object.entries(FILES)) {
    if (!p.startsWith(dir)) continue;
    const rest = p.slice(dir.length);
    const slash = rest.indexOf("/");
    names.set(slash < 0 ? rest : rest.slice(0, slash + 1), slash < 0 ? size : undefined);
  }
  if (names.size === 0) return undefined;
  const rows = [...names].map(([n, size]) => `<a href="${n}">${n}</a>${" ".repeat(40)}01-Nov-2026 12:00${" ".repeat(10)}${size ?? "-"}`);
  // Padding, so that half a page is a real half of something.
  return `<html><head><title>Index of /${dir}</title></head><body><pre>\n${rows.join("\n")}\n</pre>${"<!-- padding -->\n".repeat(2000)}</body></html>`;
}

/** Serves FILES like a mirror would, until told to stall or drop the connection halfway through a listing. */
async function startFlaky(): Promise<string> {
  const s = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url!, "http://x").pathname.slice(1));
    if (FILES[p] !== undefined)
      return void res.writeHead(200, { "Content-Length": FILES[p] }).end(req.method === "HEAD" ? undefined : Buffer.alloc(FILES[p], 7));
    const page = autoindex(p);
    if (page === undefined) return void res.writeHead(404).end();
    if (mode === "ok" || p !== "pub/1.0/") return void res.writeHead(200, { "Content-Type": "text/html" }).end(page);
    res.writeHead(200, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(page) });
    res.write(page.slice(0, page.length >> 1));
    if (mode === "reset") setTimeout(() => res.socket?.resetAndDestroy(), 50);
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

/** One page of 10^6 lines, written as the client reads it (never held whole by the server). */
async function startHuge(): Promise<string> {
  const s = http.createServer(async (req, res) => {
    if (req.url !== "/") return void res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "text/html" });
    res.write("<html><body><pre>\n");
    for (let i = 0; i < HUGE_LINES; i += 10_000) {
      let chunk = "";
      for (let j = i; j < i + 10_000; j++) chunk += `<a href="f${j}.bin">f${j}.bin</a> 01-Nov-2026 12:00 ${j}\n`;
      if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
      if (res.destroyed) return;
    }
    res.end("</pre></body></html>\n");
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

/** A mirror whose listing is 1 MiB of unclosed `<a href=`: hours of work for a backtracking parser. */
async function startHostile(): Promise<string> {
  const page = "<html><body><pre>\n" + "<a href=".repeat(1 << 17);
  const s = http.createServer((req, res) => void (req.url === "/" ? res.writeHead(200, { "Content-Type": "text/html" }).end(page) : res.writeHead(404).end()));
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

/** Accepts rsync connections and never says a word. */
async function startMute(): Promise<string> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => sockets.add(c));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  stops.push(
    () =>
      new Promise((r) => {
        for (const c of sockets) c.destroy();
        s.close(() => r());
      }),
  );
  return `rsync://127.0.0.1:${(s.address() as AddressInfo).port}/pub/`;
}

function tree(name: string, files = Object.keys(FILES)): string {
  const root = path.join(tmp, name);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), Buffer.alloc(FILES[f]!, 7));
    utimesSync(path.join(root, f), T0, T0);
  }
  return root;
}

/** The config, with extra [scan] keys when given. */
const config = (scanKeys = "") => parseConfig(text.replace("timeout_seconds = 120", `timeout_seconds = 120\n${scanKeys}`), path.join(tmp, "mirrorhop.toml"));
const held = (mirror: string) => {
  const c = config();
  const id = c.mirrors.find((m) => m.name === mirror)!.id;
  return buildIndex(db, c)
    .files.filter((f) => f.record.mirrors.includes(id))
    .map((f) => f.path)
    .sort();
};
const scan = async (name: string, scanKeys = "") => (await scanMirrors(db, config(scanKeys), { names: [name] }))[0]!;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-faults-"));
  const origin = tree("origin");
  const loopy = tree("loopy");
  // pub/1.0/again -> .. : pub/1.0/again/1.0/again/… forever, for anyone who follows links.
  symlinkSync("..", path.join(loopy, "pub/1.0/again"));
  const ftp = await startFtpServer(loopy);
  stops.push(ftp.stop);
  const loopyHttp = await startStaticServer(loopy);
  stops.push(() => loopyHttp.stop());
  let split = "";
  if (hasRsync()) {
    const rsyncd = await startRsyncDaemon(tree("split-rsync"));
    stops.push(rsyncd.stop);
    const web = await startStaticServer(tree("split-web"));
    stops.push(() => web.stop());
    split = `[[mirror]]\nid = 6\nname = "split"\nrsync = "${rsyncd.url}"\nhttp = "${web.url}"\ncountry = "SE"\n`;
  }
  text = `[origin]
path = ${JSON.stringify(origin)}
url = "http://origin.test/pub/"
[scan]
protocols = ["rsync", "ftp", "http"]
timeout_seconds = 120
[[mirror]]
id = 1
name = "flaky"
http = "${await startFlaky()}"
country = "DE"
timeout_seconds = 2
[[mirror]]
id = 2
name = "mute"
rsync = "${await startMute()}"
http = "http://127.0.0.1:9/"
country = "FR"
timeout_seconds = 2
[[mirror]]
id = 3
name = "loop-ftp"
ftp = "${ftp.url}"
http = "${loopyHttp.url}"
country = "NL"
[[mirror]]
id = 4
name = "loop-http"
http = "${loopyHttp.url}"
country = "BE"
[[mirror]]
id = 7
name = "hostile"
http = "${await startHostile()}"
country = "AT"
timeout_seconds = 2
[[mirror]]
id = 5
name = "huge"
http = "${await startHuge()}"
country = "JP"
${split}`;
  db = openState(path.join(tmp, "state.sqlite"));
  await scanOrigin(db, origin, { threads: 2 });
}, 60_000);

afterAll(async () => {
  db?.close();
  for (const s of stops.reverse()) await s().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

describe("scan mirrors under faults", () => {
  it("a mirror that stalls or drops the connection mid-listing fails with the URL and why; what it held stays", async () => {
    mode = "ok";
    expect(await scan("flaky")).toMatchObject({ ok: true, entries: 3, verified: { checked: 3, lies: 0 } });
    expect(held("flaky")).toEqual(Object.keys(FILES).sort());
    mode = "stall";
    const stalled = await scan("flaky");
    expect(stalled.ok).toBe(false);
    expect(stalled.error).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pub\/1\.0\/: timed out in the middle of the listing$/);
    expect(held("flaky")).toEqual(Object.keys(FILES).sort());
    mode = "reset";
    const reset = await scan("flaky");
    expect(reset.error).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/pub\/1\.0\/: connection lost in the middle of the listing after \d+ bytes \(ECONNRESET\)$/);
    expect(held("flaky")).toEqual(Object.keys(FILES).sort());
  }, 30_000);

  it("a 1 MiB hostile listing next to a good mirror: both scans end, the good mirror's claims stand", async () => {
    mode = "ok";
    const results = await scanMirrors(db, config(), { names: ["hostile", "flaky"] });
    expect(results.map((r) => [r.mirror, r.ok, r.entries]).sort()).toEqual([
      ["flaky", true, 3],
      ["hostile", true, 0],
    ]);
    expect(held("flaky")).toEqual(Object.keys(FILES).sort());
    expect(held("hostile")).toEqual([]);
  }, 30_000);

  it.skipIf(!hasRsync())(
    "an rsync daemon that accepts and never answers is given up at the mirror's timeout",
    async () => {
      const r = await scan("mute");
      expect(r).toMatchObject({ ok: false, protocol: "rsync" });
      expect(r.error).toMatch(/^rsync:\/\/127\.0\.0\.1:\d+\/pub\/: timed out$/);
    },
    30_000,
  );

  it("a symlink loop on the mirror ends where the origin's directories end, over FTP and HTTP", async () => {
    for (const name of ["loop-ftp", "loop-http"]) {
      const r = await scan(name);
      expect(r, name).toMatchObject({ ok: true, entries: 3 });
      expect(held(name)).toEqual(Object.keys(FILES).sort());
    }
  }, 60_000);

  it.skipIf(!hasRsync())(
    "a listing that lies (rsync module and web root disagree) voids the mirror's claims until a scan checks out",
    async () => {
      expect(await scan("split")).toMatchObject({ ok: true, protocol: "rsync", verified: { checked: 3, lies: 0 } });
      expect(held("split")).toEqual(Object.keys(FILES).sort());
      const web = path.join(tmp, "split-web");
      rmSync(path.join(web, "pub/1.0/b.iso"));
      truncateSync(path.join(web, "pub/2.0/c.iso"), 10);
      // Every claim was vouched for once; the random draw still checks all three (verify = 16).
      const lying = await scan("split");
      expect(lying).toMatchObject({ ok: false, verified: { checked: 3, lies: 2 } });
      expect(lying.error).toMatch(
        /^rsync:\/\/127\.0\.0\.1:\d+\/pub\/: listing claims files the mirror does not serve \(2 of 3 checked; http:\/\/127\.0\.0\.1:\d+\/pub\/(1\.0\/b\.iso: listed 40000 bytes, HTTP 404|2\.0\/c\.iso: listed 50000 bytes, size 10)\)$/,
      );
      expect(held("split")).toEqual([]);
      // With the check off, the lie would count: the check is what stops it.
      expect(await scan("split", "verify = 0")).toMatchObject({ ok: true, entries: 3 });
      expect(held("split")).toEqual(Object.keys(FILES).sort());
      expect(await scan("split")).toMatchObject({ ok: false });
      expect(held("split")).toEqual([]);
      cpSync(path.join(tmp, "split-rsync", "pub"), path.join(web, "pub"), { recursive: true, preserveTimestamps: true });
      expect(await scan("split")).toMatchObject({ ok: true, verified: { lies: 0 } });
      expect(held("split")).toEqual(Object.keys(FILES).sort());
    },
    60_000,
  );

  it("a 10^6-line listing is refused above scan.max_entries, and listed in full below it", async () => {
    expect(await scan("huge")).toMatchObject({ ok: true, entries: HUGE_LINES });
    const capped = await scan("huge", "max_entries = 999999");
    expect(capped.ok).toBe(false);
    expect(capped.error).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/: listing has more than 999999 entries; refused as hostile/);
    // The refused scan changed nothing: the full listing from before is still what the state knows.
    expect((db.prepare("SELECT count(*) AS n FROM mirror_files WHERE mirror_id = 5").get() as { n: number }).n).toBe(HUGE_LINES);
  }, 120_000);
});

describe("which claims are checked", () => {
  it("new claims first, then a random draw from claims the origin has at that size, never more than asked", () => {
    const state = openState(":memory:");
    const o = state.prepare("INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, changed_at) VALUES (?, 100, 0, '0', '0', 0)");
    for (let i = 0; i < 10; i++) o.run(`f${i}`);
    // Held at the last scan: f0-f7. New now: f8, f9. Not claims: another size, a path the origin lacks.
    const m = state.prepare("INSERT INTO mirror_files (mirror_id, path, size, mtime_res, seen_at) VALUES (1, ?, 100, 1, 0)");
    for (let i = 0; i < 8; i++) m.run(`f${i}`);
    const staged = new StagedListing(state);
    for (let i = 0; i < 10; i++) staged.add({ path: `f${i}`, size: 100, mtimeRes: 1 });
    staged.add({ path: "f3-other-size", size: 5, mtimeRes: 1 });
    staged.add({ path: "extra", size: 100, mtimeRes: 1 });
    const paths = (n: number) => staged.sampleClaims(1, n).map((c) => c.path);
    expect(paths(2).sort()).toEqual(["f8", "f9"]);
    expect(paths(1)[0]).toMatch(/^f[89]$/);
    const four = paths(4);
    expect(four.slice(0, 2).sort()).toEqual(["f8", "f9"]);
    expect(four.slice(2).every((p) => /^f[0-7]$/.test(p))).toBe(true);
    expect(paths(50).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`).sort());
    expect(paths(0)).toEqual([]);
    // Over many draws, every old claim gets its turn.
    const drawn = new Set(Array.from({ length: 200 }, () => paths(3)[2]));
    expect(drawn.size).toBe(8);
  });
});
