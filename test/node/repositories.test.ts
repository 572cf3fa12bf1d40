/** The push's repository rule, as a property over random holder sets, and its configuration. */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import { configProblems } from "../helpers/config-problems.js";
import type { IndexedFile } from "../../scripts/push/index-build.js";
import { applyRepositories } from "../../scripts/push/repositories.js";
import { repositoryMetadataOf, type RepositoryDecl } from "../../src/core/repository.js";

const PATHS = [
  "debian/dists/stable/InRelease",
  "debian/dists/stable/Release",
  "debian/dists/stable/main/binary-amd64/Packages.xz",
  "debian/dists/testing/InRelease",
  "debian/pool/main/h/hello.deb",
  "rpm/repodata/repomd.xml",
  "rpm/repodata/a-primary.xml.gz",
  "rpm/Packages/hello.rpm",
  "arch/core/os/x86_64/core.db",
  "arch/core/os/x86_64/core.files",
  "arch/core/os/x86_64/hello.pkg.tar.zst",
  "releases/1.0/x.iso",
];
const REPOS: RepositoryDecl[] = [
  { root: "debian", kind: "apt", metadata: "mirrors" },
  { root: "rpm", kind: "rpm-md", metadata: "origin" },
  { root: "arch", kind: "detect", metadata: "mirrors" },
];
const indexed = (path: string, mirrors: number[]): IndexedFile => ({ path, record: { size: 1, mtime: 1, changed: 1, mirrors }, sha512: null, pieceSize: null });

describe("applyRepositories", () => {
  it("each metadata file is offered exactly by the mirrors holding all of its repository's metadata; nothing else changes", () => {
    const holders = fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 7 }).map((a) => a.sort((x, y) => x - y));
    fc.assert(
      fc.property(fc.tuple(...PATHS.map(() => holders)), (sets) => {
        const files = PATHS.map((p, i) => indexed(p, sets[i]!));
        const summaries = applyRepositories(files, REPOS);
        for (const [i, f] of files.entries()) {
          const m = repositoryMetadataOf(f.path, REPOS);
          if (!m) {
            expect(f.record).toEqual({ size: 1, mtime: 1, changed: 1, mirrors: sets[i] });
            continue;
          }
          const members = PATHS.map((p, j) => [p, sets[j]!] as const).filter(([p]) => repositoryMetadataOf(p, REPOS)?.unit.id === m.unit.id);
          const expected = [0, 1, 2, 3, 4, 5, 6].filter((id) => members.every(([, s]) => s.includes(id)));
          expect(f.record.mirrors, f.path).toEqual(expected);
          expect(f.record.repoMeta, f.path).toBe(m.decl.metadata === "origin" ? "origin" : "consistent");
        }
        expect(summaries.map((s) => s.unit.id)).toEqual(["arch/core/os/x86_64/core", "debian/dists/stable", "debian/dists/testing", "rpm"]);
      }),
    );
  });

  it("names the mirrors that hold part of a repository: mid-sync or partial", () => {
    const files = [indexed("debian/dists/stable/InRelease", [1, 2, 3]), indexed("debian/dists/stable/main/binary-amd64/Packages.xz", [1, 2])];
    expect(applyRepositories(files, REPOS)).toEqual([expect.objectContaining({ consistent: [1, 2], partial: [3], files: 2 })]);
    expect(applyRepositories(files, [])).toEqual([]);
  });
});

describe("[[repository]] in mirrorhop.toml", () => {
  const base = '[origin]\npath = "/srv/pub"\nurl = "https://get.example/pub/"\n';
  const problems = (text: string) => configProblems(text);

  it("loads roots, kinds and metadata modes into the policy the edge reads", () => {
    const c = parseConfig(
      `${base}[policy]\nunknown_paths = "404"\n[[repository]]\nroot = "/debian/"\nkind = "apt"\n[[repository]]\nroot = "fedora"\nmetadata = "origin"\n`,
      "/etc/mirrorhop.toml",
    );
    expect(c.policy.repositories).toEqual([
      { root: "debian", kind: "apt", metadata: "mirrors" },
      { root: "fedora", kind: "detect", metadata: "origin" },
    ]);
    expect(c.policy.unknownPaths).toBe("404");
    expect(parseConfig(base, "/etc/mirrorhop.toml").policy).toMatchObject({ repositories: [], unknownPaths: "origin", metalinkOrigin: false });
  });

  it("refuses a bad kind, a path that leaves the tree and a root declared twice, with line and key", () => {
    expect(problems(`${base}[[repository]]\nroot = "debian"\nkind = "deb"\n`)).toEqual([
      expect.stringMatching(/^\/etc\/mirrorhop\.toml:6: repository\[1\]\.kind: /),
    ]);
    expect(problems(`${base}[[repository]]\nroot = "a/../b"\n`)).toEqual([expect.stringMatching(/:5: repository\[1\]\.root: must be a directory of the tree/)]);
    expect(problems(`${base}[[repository]]\nroot = "debian"\n[[repository]]\nroot = "debian/"\n`)).toEqual([
      expect.stringMatching(/repository\[2\]\.root: root "debian" is declared twice \(also repository 1\)/),
    ]);
    expect(problems(`${base}[policy]\nunknown_paths = "drop"\n`)).toEqual([expect.stringMatching(/policy\.unknown_paths/)]);
  });
});
