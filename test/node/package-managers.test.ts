/**
 * Package repositories end to end with the real clients: apt, dnf, zypper and pacman refresh and
 * install into temporary roots, through the Worker (local workerd), from real HTTP mirrors on
 * distinct loopback hosts, indexed by the real scanner (test/helpers/package-network.ts: two current
 * mirrors, one with a stale rpm of the same size and mtime, one caught mid-sync). The servers'
 * access logs say who served what.
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aptInstall, dnfInstall, pacmanInstall, zypperInstall } from "../helpers/package-clients.js";
import { DECLARED, HOSTS, type PackageNetwork, type Server, STALE_FILES, startPackageNetwork } from "../helpers/package-network.js";

let net: PackageNetwork;

beforeAll(async () => {
  net = await startPackageNetwork({ toml: DECLARED });
}, 180_000);

afterAll(async () => {
  await net?.stop();
});

const edgeUrl = () => net.edgeUrl;
const clearLogs = () => net.clearLogs();
const served = (name: Server, prefix: string) => net.served(name, prefix);
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
    const byId = Object.fromEntries(
      (net.index.repositories ?? []).map((r) => [r.unit.id, { kind: r.unit.kind, consistent: r.consistent, partial: r.partial }]),
    );
    expect(byId).toEqual({
      "arch/core/os/x86_64/core": { kind: "pacman", consistent: [1, 2, 3], partial: [4] },
      "debian/dists/stable": { kind: "apt", consistent: [1, 2, 3], partial: [4] },
      rpm: { kind: "rpm-md", consistent: [1, 2, 3], partial: [4] },
    });
    // midsync holds the current InRelease itself, but is not offered for it.
    const inRelease = net.index.files.find((f) => f.path === "debian/dists/stable/InRelease")!;
    expect(inRelease.record).toMatchObject({ mirrors: [1, 2, 3], repoMeta: "consistent" });
    // Packages are files like any other: the mid-sync mirror holds hello 1.0 and serves it; the
    // stale copy cannot be told from the listing (same size and mtime), the client's hash tells.
    expect(net.index.files.find((f) => f.path === STALE_FILES[0])!.record).toEqual(expect.objectContaining({ mirrors: [1, 2, 3, 4] }));
    expect(net.index.files.find((f) => f.path === STALE_FILES[0])!.record.repoMeta).toBeUndefined();
  });

  it("signed root files go to a consistent mirror, never to the mid-sync one, whatever their size", async () => {
    for (const p of ["debian/dists/stable/InRelease", "debian/dists/stable/Release.gpg", "rpm/repodata/repomd.xml", "arch/core/os/x86_64/core.db"]) {
      const res = await fetch(`${edgeUrl()}${p}`, { redirect: "manual" });
      expect(res.status, p).toBe(302);
      expect(res.headers.get("x-mirrorhop-mirror"), p).toBe("stale");
    }
  });

  it("each package manager's list names the consistent mirrors best first, the origin last", async () => {
    const base = (s: Server, dir: string) => `${net.servers[s].url}${dir}`;
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
    for (const l of [...rpm, ...pacman]) expect(l).not.toContain(net.servers.midsync.url);
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
    expect(urls[0]).toBe(`${net.servers.stale.url}rpm/repodata/repomd.xml`);
    expect(urls[3]).toBe(`${net.servers.origin.url}rpm/repodata/repomd.xml`);
  });

  it("a package published on the origin and not yet pushed downloads through the edge", async () => {
    const p = "rpm/Packages/fresh-1.0-1.noarch.rpm";
    const bytes = randomBytes(9000);
    writeFileSync(path.join(net.trees, "origin", p), bytes);
    const res = await fetch(`${edgeUrl()}${p}`);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    rmSync(path.join(net.trees, "origin", p));
  });
});

// ---------------------------------------------------------------------------------------------
// The clients

function expectInstalled(root: string, pkgs: string[], kind: keyof typeof PAYLOADS) {
  for (const p of pkgs) {
    const installed = path.join(root, "usr/share", p, "payload.bin");
    expect(existsSync(installed), `${p} installed`).toBe(true);
    expect(readFileSync(installed).equals(readFileSync(path.join(net.trees, ".build", PAYLOADS[kind](p)))), `${p} bytes`).toBe(true);
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
    const r = await aptInstall(net.work, net.keyring, `mirror+${edgeUrl()}_mirrorhop/mirrorlist/debian/dists/stable/InRelease`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "deb");
    const o = origins("/debian/", isDeb);
    expect(o.origin, "the origin serves nothing").toEqual({ meta: 0, pkg: 0 });
    expect(o.midsync, "the mid-sync mirror is never asked").toEqual({ meta: 0, pkg: 0 });
    expect(o.stale).toEqual({ meta: 2, pkg: 2 });
  }, 240_000);

  it("plain http: InRelease is redirected to a consistent mirror and apt takes every index from there", async () => {
    clearLogs();
    const r = await aptInstall(net.work, net.keyring, `${edgeUrl()}debian`, ["world"]);
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
    const r = await dnfInstall(net.work, `metalink=${edgeUrl()}rpm/repodata/repomd.xml.metalink`, ["hello", "world"]);
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
    const r = await dnfInstall(net.work, `mirrorlist=${edgeUrl()}_mirrorhop/mirrorlist/rpm/repodata/repomd.xml`, ["world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["world"], "rpm");
    const o = origins("/rpm/", isRpm);
    expect(o.origin).toEqual({ meta: 0, pkg: 0 });
    expect(o.midsync).toEqual({ meta: 0, pkg: 0 });
  }, 240_000);
});

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
    const r = await zypperInstall(net.work, `${edgeUrl()}rpm/`, ["hello", "world"]);
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
    const r = await pacmanInstall(net.work, await mirrorList("arch/core/os/x86_64/core.db"), ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "pacman");
    expect(served("stale", "/arch/").length).toBe(3);
    for (const s of ["origin", "midsync", "m1", "m2"] as const) expect(served(s, "/arch/"), s).toEqual([]);
  }, 240_000);
});

describe("failover: the mirror each client would use first is down", () => {
  beforeAll(async () => {
    await net.servers.stale.stop();
  });
  afterAll(async () => {
    await net.servers.stale.start();
  });

  it("apt (mirror+) installs from the next consistent mirror; the origin serves no package", async () => {
    clearLogs();
    const r = await aptInstall(net.work, net.keyring, `mirror+${edgeUrl()}_mirrorhop/mirrorlist/debian/dists/stable/InRelease`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "deb");
    expect(bytesServed("origin", "/debian/")).toBe(0);
    expect(served("midsync", "/debian/")).toEqual([]);
  }, 240_000);

  it("dnf (metalink) installs from the next consistent mirror; the origin serves no package", async () => {
    clearLogs();
    const r = await dnfInstall(net.work, `metalink=${edgeUrl()}rpm/repodata/repomd.xml.metalink`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "rpm");
    expect(bytesServed("origin", "/rpm/")).toBe(0);
    expect(served("midsync", "/rpm/")).toEqual([]);
  }, 240_000);

  // With baseurl= the edge, libzypp's refresh first checks repodata/repomd.xml with HEAD, which
  // follows the plain 302 to the dead mirror until the probes mark it down (docs/repositories.md).
  it("zypper with mirrorlist= (a .repo file) takes the next mirror of the list; the origin serves nothing", async () => {
    clearLogs();
    const r = await zypperInstall(net.work, `mirrorlist=${edgeUrl()}_mirrorhop/mirrorlist/rpm/repodata/repomd.xml`, ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "rpm");
    expect(bytesServed("origin", "/rpm/")).toBe(0);
  }, 240_000);

  it("pacman tries the next Server line; the origin serves no package", async () => {
    clearLogs();
    const r = await pacmanInstall(net.work, await mirrorList("arch/core/os/x86_64/core.db"), ["hello", "world"]);
    expect(r.code, r.out).toBe(0);
    expectInstalled(r.root, ["hello", "world"], "pacman");
    expect(bytesServed("origin", "/arch/")).toBe(0);
    expect(served("midsync", "/arch/")).toEqual([]);
  }, 240_000);
});
