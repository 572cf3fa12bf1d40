/**
 * Package repositories end to end with the real clients: apt, dnf and pacman refresh and install
 * into temporary roots, through the Worker (local workerd), from real HTTP mirrors on distinct
 * loopback hosts. The index comes from the real scanner: the origin is scanned, each mirror's
 * autoindex listed, and the push's index (with each repository's consistent mirror set) written
 * into the edge's local D1/KV. The servers' access logs say who served what.
 *
 * Mirrors: m1 and m2 hold the current repositories; "stale" holds them too, but its hello rpm has
 * other bytes of the same size and mtime (no listing can tell: the client's checksum must);
 * "midsync" has the new root files (InRelease, repomd.xml, core.db) over the old indexes, as a
 * mirror caught mid-sync does. stale carries a weight that puts it first, midsync one that would put it before stale.
 */

import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import type { Config } from "../../scripts/config/schema.js";
import { type LocalEdge, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { type StaticServer, startStaticServer } from "../../scripts/lib/static-server.js";
import { writeIndex } from "../../scripts/lib/write-index.js";
import { buildIndex, type DesiredIndex, loadPieces } from "../../scripts/push/index-build.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { buildApt, buildPacman, buildRpm, makeSigningKey } from "../helpers/package-repos.js";

const run = promisify(execFile);
const has = (bin: string) => spawnSync("which", [bin], { stdio: "ignore" }).status === 0;
// Required, not skipped when absent: .ci/run installs them, and a silently skipped client proves nothing.
const TOOLS = ["apt-get", "apt-ftparchive", "dpkg-deb", "gpg", "dnf", "createrepo_c", "rpmbuild", "zypper", "pacman", "repo-add", "bsdtar"];

const HOSTS = { origin: "127.0.0.10", m1: "127.0.0.11", m2: "127.0.0.12", stale: "127.0.0.13", midsync: "127.0.0.14" } as const;
type Server = keyof typeof HOSTS;
// Only the rpm: apt 2.6's mirror method moves on after a refused connection or a 404, not after a
// hash mismatch, and pacman not at all (docs/repositories.md); librepo does.
const STALE_FILES = ["rpm/Packages/hello-1.0-1.noarch.rpm"];

let tmp: string;
let trees: string;
let db: StateDb;
let config: Config;
let index: DesiredIndex;
let edge: LocalEdge;
let keyring: string;
const servers = {} as Record<Server, StaticServer>;

function copyTree(from: string, to: string) {
  cpSync(from, to, { recursive: true, preserveTimestamps: true });
}

beforeAll(async () => {
  const missing = TOOLS.filter((t) => !has(t));
  if (missing.length) throw new Error(`missing ${missing.join(", ")}: apt-get install apt-utils dnf createrepo-c rpm zypper pacman-package-manager makepkg libarchive-tools gnupg`);
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-pkg-"));
  trees = path.join(tmp, "trees");
  const origin = path.join(trees, "origin");
  const key = makeSigningKey(tmp);
  keyring = key.keyring;
  const v1 = [{ name: "hello", version: "1.0" }];
  const v2 = [...v1, { name: "world", version: "1.0" }];
  // Version 1 of every repository, kept aside: the mid-sync mirror's old indexes.
  buildApt(origin, key.home, v1);
  buildRpm(origin, v1);
  buildPacman(origin, v1);
  copyTree(origin, path.join(trees, "v1"));
  await new Promise((r) => setTimeout(r, 1100));
  buildApt(origin, key.home, v2);
  buildRpm(origin, v2);
  buildPacman(origin, v2);
  for (const m of ["m1", "m2", "stale"]) copyTree(origin, path.join(trees, m));
  for (const f of STALE_FILES) {
    const p = path.join(trees, "stale", f);
    const st = statSync(p);
    writeFileSync(p, randomBytes(st.size));
    utimesSync(p, st.atime, st.mtime);
  }
  // Mid-sync: the old tree, then the new packages and the new root files only.
  const mid = path.join(trees, "midsync");
  copyTree(path.join(trees, "v1"), mid);
  for (const f of ["debian/pool/main/w", "rpm/Packages/world-1.0-1.noarch.rpm", "arch/core/os/x86_64/world-1.0-1-any.pkg.tar.xz", "debian/dists/stable/InRelease", "debian/dists/stable/Release", "debian/dists/stable/Release.gpg", "rpm/repodata/repomd.xml", "arch/core/os/x86_64/core.db", "arch/core/os/x86_64/core.db.tar.gz"]) {
    cpSync(path.join(origin, f), path.join(mid, f), { recursive: true, preserveTimestamps: true });
  }
  for (const [name, host] of Object.entries(HOSTS) as [Server, string][]) {
    servers[name] = await startStaticServer(path.join(trees, name === "origin" ? "origin" : name), 0, host, { accessLog: true });
  }
  const mirrorToml = (id: number, name: Server, country: string, weight: number) => `[[mirror]]\nid = ${id}\nname = "${name}"\nhttp = "${servers[name].url}"\ncountry = "${country}"\nweight = ${weight}\n`;
  const text = `[origin]
path = ${JSON.stringify(origin)}
url = "${servers.origin.url}"
[scan]
protocols = ["http"]
timeout_seconds = 20
[[repository]]
root = "debian"
kind = "apt"
[[repository]]
root = "rpm"
kind = "rpm-md"
[[repository]]
root = "arch"
${mirrorToml(1, "m1", "DE", 100)}${mirrorToml(2, "m2", "FR", 100)}${mirrorToml(3, "stale", "NL", 100_000)}${mirrorToml(4, "midsync", "SE", 10_000_000)}`;
  config = parseConfig(text, path.join(tmp, "mirrorhop.toml"));
  db = openState(path.join(tmp, "state.sqlite"));
  await scanOrigin(db, origin, { threads: 2 });
  const scanned = await scanMirrors(db, config);
  expect(scanned.filter((r) => !r.ok)).toEqual([]);
  index = buildIndex(db, config);
  edge = await startLocalEdge({ vars: { ORIGIN_URL: servers.origin.url, MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0" } });
  const details = Object.fromEntries(index.files.map((f) => [f.path, { ...(f.sha512 ? { sha512: f.sha512 } : {}), ...(f.pieceSize ? { pieceSize: f.pieceSize, pieces: loadPieces(db, f.path)! } : {}) }]));
  await writeIndex(edge, { ...index.table, generation: "pkg" }, Object.fromEntries(index.files.map((f) => [f.path, f.record])), { details });
}, 180_000);

afterAll(async () => {
  await edge?.dispose();
  for (const s of Object.values(servers)) await s?.stop();
  db?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const edgeUrl = () => edge.url.href;
const clearLogs = () => Object.values(servers).forEach((s) => s.log.splice(0));
/** GETs a server answered under a prefix, with the bytes it sent. */
const served = (name: Server, prefix: string) => servers[name].log.filter((e) => e.method === "GET" && e.path.startsWith(prefix) && e.status < 400);
const bytesServed = (name: Server, prefix: string) => served(name, prefix).reduce((n, e) => n + e.bytes, 0);
/** The payload a package was built with (test/helpers/package-repos.ts keeps its build directories). */
const PAYLOADS = {
  deb: (p: string) => `${p}-1.0/usr/share/${p}/payload.bin`,
  rpm: (p: string) => `rpm-${p}-1.0/SOURCES/payload.bin`,
  pacman: (p: string) => `pac-${p}-1.0/usr/share/${p}/payload.bin`,
};

async function mirrorList(rootFile: string): Promise<string[]> {
  const res = await fetch(`${edgeUrl()}_mirrorhop/mirrorlist/${rootFile}`);
  expect(res.status).toBe(200);
  return (await res.text()).split("\n").filter((l) => l && !l.startsWith("#"));
}

describe("repositories as a unit", () => {
  it("the push finds each repository; the mid-sync mirror is consistent for none, the stale one for all", () => {
    const byId = Object.fromEntries((index.repositories ?? []).map((r) => [r.unit.id, { kind: r.unit.kind, consistent: r.consistent, partial: r.partial }]));
    expect(byId).toEqual({
      "arch/core/os/x86_64/core": { kind: "pacman", consistent: [1, 2, 3], partial: [4] },
      "debian/dists/stable": { kind: "apt", consistent: [1, 2, 3], partial: [4] },
      rpm: { kind: "rpm-md", consistent: [1, 2, 3], partial: [4] },
    });
    // midsync holds the current InRelease itself, but is not offered for it.
    const inRelease = index.files.find((f) => f.path === "debian/dists/stable/InRelease")!;
    expect(inRelease.record).toMatchObject({ mirrors: [1, 2, 3], repoMeta: "consistent" });
    // Packages are files like any other: the mid-sync mirror holds hello 1.0 and serves it; the
    // stale copy cannot be told from the listing (same size and mtime), the client's hash tells.
    expect(index.files.find((f) => f.path === STALE_FILES[0])!.record).toEqual(expect.objectContaining({ mirrors: [1, 2, 3, 4] }));
    expect(index.files.find((f) => f.path === STALE_FILES[0])!.record.repoMeta).toBeUndefined();
  });

  it("signed root files go to a consistent mirror, never to the mid-sync one, whatever their size", async () => {
    for (const p of ["debian/dists/stable/InRelease", "debian/dists/stable/Release.gpg", "rpm/repodata/repomd.xml", "arch/core/os/x86_64/core.db"]) {
      const res = await fetch(`${edgeUrl()}${p}`, { redirect: "manual" });
      expect(res.status, p).toBe(302);
      expect(res.headers.get("x-mirrorhop-mirror"), p).toBe("stale");
    }
  });

  it("each package manager's list names the consistent mirrors best first, the origin last", async () => {
    const base = (s: Server, dir: string) => `${servers[s].url}${dir}`;
    expect(await mirrorList("debian/dists/stable/InRelease")).toEqual([
      `${base("stale", "debian/")}\tpriority:1`,
      expect.stringMatching(/^http:\/\/127\.0\.0\.1[12]:\d+\/debian\/\tpriority:2$/),
      expect.stringMatching(/^http:\/\/127\.0\.0\.1[12]:\d+\/debian\/\tpriority:3$/),
      `${base("origin", "debian/")}\tpriority:4`,
    ]);
    const rpm = await mirrorList("rpm/repodata/repomd.xml");
    expect(rpm[0]).toBe(base("stale", "rpm/"));
    expect(rpm.at(-1)).toBe(base("origin", "rpm/"));
    const pacman = await mirrorList("arch/core/os/x86_64/core.db");
    expect(pacman[0]).toBe(`Server = ${base("stale", "arch/")}$repo/os/$arch`);
    expect(pacman).toHaveLength(4);
    for (const l of [...rpm, ...pacman]) expect(l).not.toContain(servers.midsync.url);
    const bad = await fetch(`${edgeUrl()}_mirrorhop/mirrorlist/debian/pool/main/h/hello/hello_1.0_all.deb`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/names no repository root file/);
  });

  it("the dnf Metalink is MirrorManager's: mm0:timestamp, hashes, consistent mirrors, the origin last", async () => {
    const xml = await (await fetch(`${edgeUrl()}rpm/repodata/repomd.xml.metalink`)).text();
    expect(xml).toContain('xmlns:mm0="http://fedorahosted.org/mirrormanager"');
    expect(xml).toMatch(/<mm0:timestamp>\d+<\/mm0:timestamp>/);
    const urls = [...xml.matchAll(/<url protocol="http" type="http"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(urls).toHaveLength(4);
    expect(urls[0]).toBe(`${servers.stale.url}rpm/repodata/repomd.xml`);
    expect(urls[3]).toBe(`${servers.origin.url}rpm/repodata/repomd.xml`);
  });

  it("a package published on the origin and not yet pushed downloads through the edge", async () => {
    const p = "rpm/Packages/fresh-1.0-1.noarch.rpm";
    const bytes = randomBytes(9000);
    writeFileSync(path.join(trees, "origin", p), bytes);
    const res = await fetch(`${edgeUrl()}${p}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    rmSync(path.join(trees, "origin", p));
  });
});

// ---------------------------------------------------------------------------------------------
// The clients

async function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const r = await run("timeout", ["180", cmd, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: `${e.stdout}${e.stderr}` };
  }
}

async function aptInstall(sourceLine: string, pkgs: string[]): Promise<{ code: number; out: string; root: string }> {
  const dir = mkdtempSync(path.join(tmp, "apt-"));
  const root = path.join(dir, "root");
  for (const d of ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc/apt/sources.list.d", "etc/apt/preferences.d", "etc/apt/apt.conf.d", "state/lists/partial", "cache/archives/partial"]) mkdirSync(path.join(d.startsWith("var") ? root : dir, d), { recursive: true });
  writeFileSync(path.join(root, "var/lib/dpkg/status"), "");
  writeFileSync(path.join(dir, "sources.list"), `deb [signed-by=${keyring}] ${sourceLine} stable main\n`);
  const conf = path.join(dir, "apt.conf");
  writeFileSync(
    conf,
    [
      `Dir::Etc::sourcelist "${dir}/sources.list";`, `Dir::Etc::sourceparts "${dir}/etc/apt/sources.list.d";`, `Dir::Etc::preferencesparts "${dir}/etc/apt/preferences.d";`,
      `Dir::Etc::parts "${dir}/etc/apt/apt.conf.d";`, `Dir::State "${dir}/state";`, `Dir::State::status "${root}/var/lib/dpkg/status";`, `Dir::Cache "${dir}/cache";`,
      'Debug::NoLocking "true";', 'APT::Sandbox::User "root";', 'Acquire::Languages "none";', 'APT::Architecture "amd64";', 'APT::Architectures { "amd64"; };',
      `DPkg::Options { "--root=${root}"; "--force-not-root"; "--force-script-chrootless"; "--log=${dir}/dpkg.log"; };`, 'DPkg::Chroot-Directory "/";', "",
    ].join("\n"),
  );
  const env = { APT_CONFIG: conf, DEBIAN_FRONTEND: "noninteractive" };
  const update = await sh("apt-get", ["update"], env);
  if (update.code !== 0 || /^(W|E):/m.test(update.out)) return { ...update, code: update.code || 1, root };
  const install = await sh("apt-get", ["install", "-y", "--no-install-recommends", ...pkgs], env);
  return { ...install, out: update.out + install.out, root };
}

async function dnfInstall(repoLine: string, pkgs: string[]): Promise<{ code: number; out: string; root: string }> {
  const dir = mkdtempSync(path.join(tmp, "dnf-"));
  const root = path.join(dir, "root");
  mkdirSync(path.join(dir, "repos"), { recursive: true });
  writeFileSync(path.join(dir, "dnf.conf"), `[main]\ncachedir=${dir}/cache\nlogdir=${dir}/log\npersistdir=${dir}/persist\nreposdir=${dir}/repos\ngpgcheck=0\nretries=1\ntimeout=10\ninstall_weak_deps=0\n`);
  writeFileSync(path.join(dir, "repos/mirrorhop.repo"), `[mirrorhop]\nname=mirrorhop test\n${repoLine}\ngpgcheck=0\nrepo_gpgcheck=0\nskip_if_unavailable=0\n`);
  const r = await sh("dnf", ["-y", `--config=${dir}/dnf.conf`, `--installroot=${root}`, "--releasever=1", `--setopt=reposdir=${dir}/repos`, "--noplugins", "--nodocs", "install", ...pkgs]);
  return { ...r, root };
}

async function pacmanInstall(serverLines: string[], pkgs: string[]): Promise<{ code: number; out: string; root: string }> {
  const dir = mkdtempSync(path.join(tmp, "pacman-"));
  const root = path.join(dir, "root");
  for (const d of ["db", "cache", "gnupg", "hooks", "root"]) mkdirSync(path.join(dir, d), { recursive: true });
  writeFileSync(path.join(dir, "mirrorlist"), serverLines.join("\n") + "\n");
  writeFileSync(
    path.join(dir, "pacman.conf"),
    `[options]\nRootDir = ${root}\nDBPath = ${dir}/db/\nCacheDir = ${dir}/cache/\nLogFile = ${dir}/pacman.log\nGPGDir = ${dir}/gnupg/\nHookDir = ${dir}/hooks/\nArchitecture = x86_64\nSigLevel = Never\nDisableDownloadTimeout\n\n[core]\nInclude = ${dir}/mirrorlist\n`,
  );
  const base = ["--config", `${dir}/pacman.conf`, "--root", root, "--dbpath", `${dir}/db/`, "--cachedir", `${dir}/cache/`, "--noconfirm"];
  const sync = await sh("pacman", [...base, "-Sy"]);
  if (sync.code !== 0) return { ...sync, root };
  const install = await sh("pacman", [...base, "-S", ...pkgs]);
  return { ...install, out: sync.out + install.out, root };
}

function expectInstalled(root: string, pkgs: string[], kind: keyof typeof PAYLOADS) {
  for (const p of pkgs) {
    const installed = path.join(root, "usr/share", p, "payload.bin");
    expect(existsSync(installed), `${p} installed`).toBe(true);
    expect(readFileSync(installed).equals(readFileSync(path.join(trees, ".build", PAYLOADS[kind](p)))), `${p} bytes`).toBe(true);
  }
}

/** Where a refresh and install took their bytes from: metadata and packages per server. */
function origins(prefix: string, isPackage: (p: string) => boolean) {
  const out: Record<string, { meta: number; pkg: number }> = {};
  for (const s of Object.keys(HOSTS) as Server[]) {
    const hits = served(s, prefix);
    out[s] = { meta: hits.filter((e) => !isPackage(e.path)).length, pkg: hits.filter((e) => isPackage(e.path)).length };
  }
  return out;
}

describe("apt", () => {
  const isDeb = (p: string) => p.endsWith(".deb");

  it("mirror+http: the list's first mirror serves InRelease, the indexes and the packages; the origin and the mid-sync mirror nothing", async () => {
    clearLogs();
    const r = await aptInstall(`mirror+${edgeUrl()}_mirrorhop/mirrorlist/debian/dists/stable/InRelease`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "deb");
    const o = origins("/debian/", isDeb);
    expect(o.origin, "the origin serves nothing").toEqual({ meta: 0, pkg: 0 });
    expect(o.midsync, "the mid-sync mirror is never asked").toEqual({ meta: 0, pkg: 0 });
    expect(o.stale).toEqual({ meta: 2, pkg: 2 });
  }, 240_000);

  it("plain http: InRelease is redirected to a consistent mirror and apt takes every index from there", async () => {
    clearLogs();
    const r = await aptInstall(`${edgeUrl()}debian`, ["world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["world"], "deb");
    expect(served("stale", "/debian/dists/").length).toBeGreaterThan(1);
    for (const s of ["origin", "midsync", "m1", "m2"] as const) expect(served(s, "/debian/dists/"), s).toEqual([]);
    expect(bytesServed("origin", "/debian/")).toBe(0);
  }, 240_000);
});

describe("dnf", () => {
  const isRpm = (p: string) => p.endsWith(".rpm");

  it("metalink=: repomd.xml checked against the Metalink, metadata from the first mirror, the stale rpm skipped by checksum", async () => {
    clearLogs();
    const r = await dnfInstall(`metalink=${edgeUrl()}rpm/repodata/repomd.xml.metalink`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "rpm");
    const o = origins("/rpm/", isRpm);
    expect(o.origin).toEqual({ meta: 0, pkg: 0 });
    expect(o.midsync).toEqual({ meta: 0, pkg: 0 });
    expect(o.stale!.meta).toBeGreaterThan(0);
    expect(served("m1", "/rpm/Packages/hello").length + served("m2", "/rpm/Packages/hello").length).toBe(1);
  }, 240_000);

  it("mirrorlist=: the plain list works the same way", async () => {
    clearLogs();
    const r = await dnfInstall(`mirrorlist=${edgeUrl()}_mirrorhop/mirrorlist/rpm/repodata/repomd.xml`, ["world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["world"], "rpm");
    const o = origins("/rpm/", isRpm);
    expect(o.origin).toEqual({ meta: 0, pkg: 0 });
    expect(o.midsync).toEqual({ meta: 0, pkg: 0 });
  }, 240_000);
});

async function zypperInstall(baseUrl: string, pkgs: string[]): Promise<{ code: number; out: string; root: string }> {
  const dir = mkdtempSync(path.join(tmp, "zypper-"));
  const root = path.join(dir, "root");
  mkdirSync(root, { recursive: true });
  const env = { ZYPP_LOGFILE: path.join(dir, "zypp.log"), ZYPP_LOCKFILE_ROOT: dir };
  const z = (...args: string[]) => sh("zypper", ["-n", "--root", root, "--no-gpg-checks", ...args], env);
  const steps = [await z("ar", "-G", "-f", baseUrl, "mirrorhop"), await z("refresh"), await z("install", "--no-recommends", ...pkgs)];
  const failed = steps.find((s) => s.code !== 0);
  return { code: failed?.code ?? 0, out: steps.map((s) => s.out).join("\n"), root };
}

describe("zypper", () => {
  const cookies = "/var/lib/YaST2/cookies";
  let hadCookies = false;
  beforeAll(() => {
    hadCookies = existsSync(cookies);
  });
  // libzypp writes its curl cookie file outside --root; leave the machine as it was.
  afterAll(() => {
    if (!hadCookies) rmSync(cookies, { force: true });
  });

  it("negotiated Metalinks name consistent mirrors only: the origin serves nothing, the mid-sync mirror no metadata", async () => {
    clearLogs();
    const r = await zypperInstall(`${edgeUrl()}rpm/`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "rpm");
    const o = origins("/rpm/", (p) => p.endsWith(".rpm"));
    expect(o.origin).toEqual({ meta: 0, pkg: 0 });
    // Packages are held file by file: the mid-sync mirror has the current world rpm and may serve it.
    expect(o.midsync!.meta).toBe(0);
  }, 240_000);
});

describe("pacman", () => {
  it("Server lines from the edge's list: databases and packages from the first consistent mirror", async () => {
    clearLogs();
    const r = await pacmanInstall(await mirrorList("arch/core/os/x86_64/core.db"), ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "pacman");
    expect(served("stale", "/arch/").length).toBe(3);
    for (const s of ["origin", "midsync", "m1", "m2"] as const) expect(served(s, "/arch/"), s).toEqual([]);
  }, 240_000);
});

describe("failover: the mirror each client would use first is down", () => {
  beforeAll(async () => {
    await servers.stale.stop();
  });
  afterAll(async () => {
    await servers.stale.start();
  });

  it("apt (mirror+) installs from the next consistent mirror; the origin serves no package", async () => {
    clearLogs();
    const r = await aptInstall(`mirror+${edgeUrl()}_mirrorhop/mirrorlist/debian/dists/stable/InRelease`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "deb");
    expect(bytesServed("origin", "/debian/")).toBe(0);
    expect(served("midsync", "/debian/")).toEqual([]);
  }, 240_000);

  it("dnf (metalink) installs from the next consistent mirror; the origin serves no package", async () => {
    clearLogs();
    const r = await dnfInstall(`metalink=${edgeUrl()}rpm/repodata/repomd.xml.metalink`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "rpm");
    expect(bytesServed("origin", "/rpm/")).toBe(0);
    expect(served("midsync", "/rpm/")).toEqual([]);
  }, 240_000);

  it("pacman tries the next Server line; the origin serves no package", async () => {
    clearLogs();
    const r = await pacmanInstall(await mirrorList("arch/core/os/x86_64/core.db"), ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "pacman");
    expect(bytesServed("origin", "/arch/")).toBe(0);
    expect(served("midsync", "/arch/")).toEqual([]);
  }, 240_000);
});
