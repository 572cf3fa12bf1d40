/**
 * Repositories as a unit at the edge: which path belongs to which repository, how a repository
 * metadata record is judged, and the mirror lists each package manager reads.
 */

import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { decodeFileRecord, encodeFileRecord } from "../../src/core/file-record.js";
import { policyWithDefaults } from "../../src/core/policy.js";
import { metadataUnitOf, repositoryMetadataOf, type RepositoryDecl, unitOfRootFile } from "../../src/core/repository.js";
import { compileTable } from "../../src/selection/compiled-table.js";
import { stickinessKey } from "../../src/selection/select.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { client, decide } from "../helpers/select-helpers.js";
import { seed } from "./seed.js";

const de = mirror({ id: 1, name: "de1", country: "DE", continent: "EU" });
const fr = mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" });
const us = mirror({ id: 3, name: "us1", country: "US", continent: "NA" });

describe("repository units", () => {
  it("names each kind's unit, base and root file", () => {
    expect(metadataUnitOf("debian/dists/bookworm/main/binary-amd64/Packages.xz", "apt")).toEqual({
      kind: "apt",
      id: "debian/dists/bookworm",
      base: "debian",
      rootFile: "debian/dists/bookworm/InRelease",
    });
    expect(metadataUnitOf("dists/stable/InRelease", "apt")).toMatchObject({ id: "dists/stable", base: "" });
    expect(metadataUnitOf("debian/pool/main/h/hello.deb", "apt")).toBeNull();
    expect(metadataUnitOf("fedora/42/x86_64/repodata/abc-primary.xml.zst", "rpm-md")).toEqual({
      kind: "rpm-md",
      id: "fedora/42/x86_64",
      base: "fedora/42/x86_64",
      rootFile: "fedora/42/x86_64/repodata/repomd.xml",
    });
    expect(metadataUnitOf("repodata/repomd.xml", "rpm-md")).toMatchObject({ id: "", base: "" });
    expect(metadataUnitOf("fedora/42/x86_64/Packages/h/hello.rpm", "rpm-md")).toBeNull();
    for (const f of ["core.db", "core.db.tar.gz", "core.db.sig", "core.files", "core.files.tar.zst", "core.files.tar.zst.sig"]) {
      expect(metadataUnitOf(`arch/core/os/x86_64/${f}`, "pacman"), f).toEqual({
        kind: "pacman",
        id: "arch/core/os/x86_64/core",
        base: "arch/core/os/x86_64",
        rootFile: "arch/core/os/x86_64/core.db",
      });
    }
    expect(metadataUnitOf("arch/core/os/x86_64/hello-1-1-any.pkg.tar.zst", "pacman")).toBeNull();
    expect(metadataUnitOf("x/repodata/repomd.xml", "detect")?.kind).toBe("rpm-md");
    expect(metadataUnitOf("x/dists/s/Release", "detect")?.kind).toBe("apt");
  });

  it("a unit belongs to the declared root it lies in, the longest one", () => {
    const repos: RepositoryDecl[] = [
      { root: "debian", kind: "apt", metadata: "mirrors" },
      { root: "debian/extra", kind: "detect", metadata: "origin" },
    ];
    expect(repositoryMetadataOf("debian/dists/stable/Release", repos)?.decl.root).toBe("debian");
    expect(repositoryMetadataOf("debian/extra/repodata/repomd.xml", repos)).toMatchObject({ decl: { root: "debian/extra" }, unit: { kind: "rpm-md" } });
    // Outside every root, and a kind that does not match: not repository metadata.
    expect(repositoryMetadataOf("ubuntu/dists/stable/Release", repos)).toBeNull();
    expect(repositoryMetadataOf("debian/repodata/repomd.xml", repos)).toBeNull();
  });

  it("a mirror list names a root file: InRelease or Release, repomd.xml, <repo>.db", () => {
    expect(unitOfRootFile("debian/dists/stable/InRelease")?.kind).toBe("apt");
    expect(unitOfRootFile("debian/dists/stable/Release")?.rootFile).toBe("debian/dists/stable/Release");
    expect(unitOfRootFile("debian/dists/stable/main/binary-amd64/Packages")).toBeNull();
    expect(unitOfRootFile("rpm/repodata/repomd.xml")?.kind).toBe("rpm-md");
    expect(unitOfRootFile("rpm/repodata/x-primary.xml.gz")).toBeNull();
    expect(unitOfRootFile("arch/core/os/x86_64/core.db")?.kind).toBe("pacman");
    expect(unitOfRootFile("arch/core/os/x86_64/core.files")).toBeNull();
  });

  it("a record carries its repository rule, and records without one read as before", () => {
    for (const repoMeta of ["consistent", "origin"] as const) {
      expect(decodeFileRecord(encodeFileRecord(file([1, 9], { repoMeta })))).toEqual(file([1, 9], { repoMeta }));
    }
    expect(decodeFileRecord(encodeFileRecord(file([1]))).repoMeta).toBeUndefined();
  });

  it("the table's repository declarations are validated where they are read", () => {
    const p = policyWithDefaults({
      repositories: [
        { root: "debian", kind: "apt", metadata: "mirrors" },
        { root: "/x/", kind: "apt", metadata: "mirrors" },
        { root: "y", kind: "deb", metadata: "mirrors" } as never,
        null as never,
      ],
    });
    expect(p.repositories).toEqual([{ root: "debian", kind: "apt", metadata: "mirrors" }]);
  });
});

describe("selection of repository metadata", () => {
  const ms = [de, fr, us];
  const German = { ip: "198.51.100.7", country: "DE", continent: "EU" };
  const small = { size: 900 };

  it("consistent metadata goes to a mirror of its set whatever its size or name; origin metadata to the origin", () => {
    const consistent = decide(ms, file([1, 2], { ...small, repoMeta: "consistent" }), German, { path: "debian/dists/stable/InRelease" });
    expect([consistent.winner?.mirror.name, consistent.originReason]).toEqual(["de1", undefined]);
    const kept = decide(ms, file([1, 2], { ...small, repoMeta: "origin" }), German, { path: "debian/dists/stable/InRelease" });
    expect([kept.winner, kept.originReason]).toEqual([null, "repository-metadata"]);
    // An undeclared repository keeps the general rules: origin patterns (whatever the size), then size.
    expect(decide(ms, file([1, 2], small), German, { path: "debian/dists/stable/InRelease" }).originReason).toBe("origin-pattern");
    expect(decide(ms, file([1, 2]), German, { path: "debian/dists/stable/InRelease" }).originReason).toBe("origin-pattern");
    expect(decide(ms, file([1, 2], small), German, { path: "debian/README" }).originReason).toBe("small-file");
  });

  it("one client network gets one mirror for a declared repository's root file, indexes and packages", () => {
    const t = compileTable(table(ms, { repositories: [{ root: "debian", kind: "apt", metadata: "mirrors" }] }));
    const key = (path: string) => stickinessKey(t, { path, now: 0, scheme: "https", client: client({ ip: "198.51.100.7" }), avoid: [] });
    expect(
      new Set(["debian/dists/stable/InRelease", "debian/dists/stable/main/binary-amd64/Packages.xz", "debian/pool/main/h/hello/hello_1.0_all.deb"].map(key))
        .size,
    ).toBe(1);
    // Without the declaration, the first two directories decide, as before.
    const plain = compileTable(table(ms));
    expect(
      stickinessKey(plain, { path: "debian/dists/stable/InRelease", now: 0, scheme: "https", client: client({ ip: "198.51.100.7" }), avoid: [] }),
    ).not.toBe(
      stickinessKey(plain, { path: "debian/pool/main/h/hello/hello_1.0_all.deb", now: 0, scheme: "https", client: client({ ip: "198.51.100.7" }), avoid: [] }),
    );
  });
});

describe("mirror lists for package managers", () => {
  const H = { "x-debug-country": "DE", "x-debug-ip": "198.51.100.7" };
  const get = (p: string) => SELF.fetch(`https://get.test/_mirrorhop/mirrorlist/${p}`, { headers: H });
  const lines = async (p: string) => (await (await get(p)).text()).split("\n").filter((l) => l && !l.startsWith("#"));
  const repos: RepositoryDecl[] = [{ root: "", kind: "detect", metadata: "mirrors" }];

  it("apt, dnf and pacman formats: consistent mirrors best first, the origin last", async () => {
    await seed(table([de, fr, us], { repositories: repos }), {
      "debian/dists/stable/InRelease": file([1, 3], { size: 900, repoMeta: "consistent" }),
      "rpm/repodata/repomd.xml": file([2], { size: 900, repoMeta: "consistent" }),
      "arch/core/os/x86_64/core.db": file([1], { size: 900, repoMeta: "consistent" }),
      "flat/extra.db": file([1], { size: 900, repoMeta: "consistent" }),
    });
    const res = await get("debian/dists/stable/InRelease");
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await lines("debian/dists/stable/InRelease")).toEqual([
      "https://de1.test/pub/debian/\tpriority:1",
      "https://us1.test/pub/debian/\tpriority:2",
      "https://origin.test/pub/debian/\tpriority:3",
    ]);
    expect(await lines("rpm/repodata/repomd.xml")).toEqual(["https://fr1.test/pub/rpm/", "https://origin.test/pub/rpm/"]);
    expect(await lines("arch/core/os/x86_64/core.db")).toEqual([
      "Server = https://de1.test/pub/arch/$repo/os/$arch",
      "Server = https://origin.test/pub/arch/$repo/os/$arch",
    ]);
    // A layout without <repo>/os/<arch> stays literal.
    expect(await lines("flat/extra.db")).toEqual(["Server = https://de1.test/pub/flat", "Server = https://origin.test/pub/flat"]);
  });

  it("without a consistent set (undeclared, or kept on the origin) the list names the origin alone; unknown is 404, a non-root file 400", async () => {
    await seed(table([de, fr, us]), {
      "debian/dists/stable/InRelease": file([1, 2, 3], { size: 900 }),
      "rpm/repodata/repomd.xml": file([1, 2], { size: 900, repoMeta: "origin" }),
    });
    expect(await lines("debian/dists/stable/InRelease")).toEqual(["https://origin.test/pub/debian/\tpriority:1"]);
    expect(await lines("rpm/repodata/repomd.xml")).toEqual(["https://origin.test/pub/rpm/"]);
    expect((await get("debian/dists/testing/InRelease")).status).toBe(404);
    const bad = await get("debian/pool/x.deb");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/names no repository root file/);
  });

  it("explain names the repository, its unit and what the record says", async () => {
    await seed(table([de, fr], { repositories: [{ root: "rpm", kind: "rpm-md", metadata: "mirrors" }] }), {
      "rpm/repodata/repomd.xml": file([2], { size: 900, repoMeta: "consistent" }),
      "rpm/Packages/a.rpm": file([1, 2]),
    });
    const meta = (await (await SELF.fetch("https://get.test/_mirrorhop/explain/rpm/repodata/repomd.xml", { headers: H })).json()) as Record<string, unknown>;
    expect(meta.repository).toEqual({
      root: "rpm",
      metadataFrom: "mirrors",
      unit: "rpm",
      kind: "rpm-md",
      rootFile: "rpm/repodata/repomd.xml",
      record: "mirrors are the repository's consistent set",
    });
    expect((meta.winner as { name: string }).name).toBe("fr1");
    const pkg = (await (await SELF.fetch("https://get.test/_mirrorhop/explain/rpm/Packages/a.rpm", { headers: H })).json()) as Record<string, unknown>;
    expect(pkg.repository).toEqual({ root: "rpm", metadataFrom: "mirrors", metadata: false });
  });

  it("repomd.xml.metalink: MirrorManager's extensions, the origin last (librepo tries one URL after another)", async () => {
    await seed(table([de, fr]), { "rpm/repodata/repomd.xml": file([1, 2], { size: 900, mtime: 1_765_000_000, repoMeta: "consistent" }) });
    const xml = await (await SELF.fetch("https://get.test/rpm/repodata/repomd.xml.metalink", { headers: H })).text();
    expect(xml).toContain('xmlns:mm0="http://fedorahosted.org/mirrormanager"');
    expect(xml).toContain("<mm0:timestamp>1765000000</mm0:timestamp>");
    expect(
      [...xml.matchAll(/<url protocol="(\w+)" type="\w+"(?: location="(\w+)")? preference="(\d+)">([^<]+)</g)].map((m) => [m[2] ?? "", m[3], m[4]]),
    ).toEqual([
      ["DE", "100", "https://de1.test/pub/rpm/repodata/repomd.xml"],
      ["FR", "99", "https://fr1.test/pub/rpm/repodata/repomd.xml"],
      ["", "98", "https://origin.test/pub/rpm/repodata/repomd.xml"],
    ]);
  });
});
