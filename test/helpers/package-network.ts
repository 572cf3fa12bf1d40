/**
 * A small mirror network of package repositories on loopback, indexed by the real scanner and
 * served by the Worker on local workerd: what test/node/package-managers.test.ts and
 * bench/package-origin-share.ts run the package managers against.
 *
 * The origin holds a signed apt archive (`debian/`), an rpm-md repository (`rpm/`) and a pacman
 * repository (`arch/core/os/x86_64/`), each with the packages hello and world. Mirrors, each on its
 * own loopback host (apt skips every entry on a host that failed once):
 * - m1, m2: the current repositories;
 * - stale: the same, but its hello rpm has other bytes of the same size and mtime (no listing can
 *   tell, and the scan's random content check is off here so that it cannot either: the client's
 *   checksum must; test/node/content-check.test.ts covers the check); weighted to come first;
 * - midsync: the new root files (InRelease, repomd.xml, core.db) over the old indexes, as a mirror
 *   caught mid-sync; weighted to come before stale if it were ever offered.
 * Every server keeps an access log.
 */

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseConfig } from "../../scripts/config/load.js";
import type { Config } from "../../scripts/config/schema.js";
import { type LocalEdge, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { type AccessEntry, type StaticServer, startStaticServer } from "../../scripts/lib/static-server.js";
import { writeIndex } from "../../scripts/lib/write-index.js";
import { buildIndex, type DesiredIndex, loadPieces } from "../../scripts/push/index-build.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { buildApt, buildPacman, buildRpm, makeSigningKey } from "./package-repos.js";

// Required, not skipped when absent: .ci/run installs them, and a silently skipped client proves nothing.
const TOOLS = ["apt-get", "apt-ftparchive", "dpkg-deb", "gpg", "dnf", "createrepo_c", "rpmbuild", "zypper", "pacman", "repo-add", "bsdtar"];

export const HOSTS = { origin: "127.0.0.10", m1: "127.0.0.11", m2: "127.0.0.12", stale: "127.0.0.13", midsync: "127.0.0.14" } as const;
export type Server = keyof typeof HOSTS;
// Only the rpm: apt 2.6's mirror method moves on after a refused connection or a 404, not after a
// hash mismatch (seen on loopback); librepo does. pacman's behaviour there is not tested.
export const STALE_FILES = ["rpm/Packages/hello-1.0-1.noarch.rpm"];

/** The declarations the tests use: one repository of each kind, the pacman one detected. */
export const DECLARED = '[[repository]]\nroot = "debian"\nkind = "apt"\n[[repository]]\nroot = "rpm"\nkind = "rpm-md"\n[[repository]]\nroot = "arch"\n';

export interface NetworkOptions {
  /** TOML appended to the config: [[repository]] tables, a [policy] table. */
  toml?: string;
}

export interface PackageNetwork {
  work: string;
  trees: string;
  keyring: string;
  servers: Record<Server, StaticServer>;
  edge: LocalEdge;
  edgeUrl: string;
  index: DesiredIndex;
  config: Config;
  /** GETs a server answered successfully under a path prefix. */
  served(name: Server, prefix: string): AccessEntry[];
  clearLogs(): void;
  stop(): Promise<void>;
}

export async function startPackageNetwork(opts: NetworkOptions = {}): Promise<PackageNetwork> {
  const missing = TOOLS.filter((t) => spawnSync("which", [t], { stdio: "ignore" }).status !== 0);
  if (missing.length)
    throw new Error(
      `missing ${missing.join(", ")}: apt-get install apt-utils dnf createrepo-c rpm zypper pacman-package-manager makepkg libarchive-tools gnupg`,
    );
  const work = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-pkg-"));
  const servers = {} as Record<Server, StaticServer>;
  let db: StateDb | undefined;
  let edge: LocalEdge | undefined;
  const stop = async () => {
    await edge?.dispose();
    for (const s of Object.values(servers)) await s.stop();
    db?.close();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const trees = path.join(work, "trees");
    const origin = path.join(trees, "origin");
    const key = makeSigningKey(work);
    const v1 = [{ name: "hello", version: "1.0" }];
    const v2 = [...v1, { name: "world", version: "1.0" }];
    // Version 1 of every repository, kept aside: the mid-sync mirror's old indexes.
    buildApt(origin, key.home, v1);
    buildRpm(origin, v1);
    buildPacman(origin, v1);
    copyTree(origin, path.join(trees, "v1"));
    // Version 2 a second later, so that no index keeps its size and mtime by chance.
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
    const mid = path.join(trees, "midsync");
    copyTree(path.join(trees, "v1"), mid);
    const newer = [
      "debian/pool/main/w",
      "rpm/Packages/world-1.0-1.noarch.rpm",
      "arch/core/os/x86_64/world-1.0-1-any.pkg.tar.xz",
      "debian/dists/stable/InRelease",
      "debian/dists/stable/Release",
      "debian/dists/stable/Release.gpg",
      "rpm/repodata/repomd.xml",
      "arch/core/os/x86_64/core.db",
      "arch/core/os/x86_64/core.db.tar.gz",
    ];
    for (const f of newer) cpSync(path.join(origin, f), path.join(mid, f), { recursive: true, preserveTimestamps: true });
    for (const [name, host] of Object.entries(HOSTS) as [Server, string][]) {
      servers[name] = await startStaticServer(path.join(trees, name), 0, host, { accessLog: true });
    }
    const mirrorToml = (id: number, name: Server, country: string, weight: number) =>
      `[[mirror]]\nid = ${id}\nname = "${name}"\nhttp = "${servers[name].url}"\ncountry = "${country}"\nweight = ${weight}\n`;
    const text = `[origin]\npath = ${JSON.stringify(origin)}\nurl = "${servers.origin.url}"\n[scan]\nprotocols = ["http"]\ntimeout_seconds = 20\nverify_content = 0\n${opts.toml ?? ""}\n${mirrorToml(1, "m1", "DE", 100)}${mirrorToml(2, "m2", "FR", 100)}${mirrorToml(3, "stale", "NL", 100_000)}${mirrorToml(4, "midsync", "SE", 10_000_000)}`;
    const config = parseConfig(text, path.join(work, "mirrorhop.toml"));
    db = openState(path.join(work, "state.sqlite"));
    await scanOrigin(db, origin, { threads: 2 });
    const failed = (await scanMirrors(db, config)).filter((r) => !r.ok);
    if (failed.length) throw new Error(`mirror scans failed: ${JSON.stringify(failed)}`);
    const index = buildIndex(db, config);
    edge = await startLocalEdge({ vars: { ORIGIN_URL: servers.origin.url, MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0" } });
    const state = db;
    const details = Object.fromEntries(
      index.files.map((f) => [
        f.path,
        { ...(f.sha512 ? { sha512: f.sha512 } : {}), ...(f.pieceSize ? { pieceSize: f.pieceSize, pieces: loadPieces(state, f.path)! } : {}) },
      ]),
    );
    await writeIndex(edge, { ...index.table, generation: "pkg" }, Object.fromEntries(index.files.map((f) => [f.path, f.record])), { details });
    const served = (name: Server, prefix: string) => servers[name].log.filter((e) => e.method === "GET" && e.path.startsWith(prefix) && e.status < 400);
    return {
      work,
      trees,
      keyring: key.keyring,
      servers,
      edge,
      edgeUrl: edge.url.href,
      index,
      config,
      served,
      clearLogs: () => Object.values(servers).forEach((s) => s.log.splice(0)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function copyTree(from: string, to: string) {
  cpSync(from, to, { recursive: true, preserveTimestamps: true });
}
