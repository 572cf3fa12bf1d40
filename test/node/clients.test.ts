/**
 * Metalinks proven with the clients people use: aria2c downloads real bytes through the Worker
 * (bundled, on local workerd) from HTTP mirrors on loopback, and jing validates every Metalink
 * against the RELAX NG schema of RFC 5854 (Appendix B, test/fixtures/metalink4.rnc).
 */

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytes } from "../../scripts/demo/tree.js";
import { type LocalEdge, ROOT, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import { writeIndex } from "../../scripts/lib/write-index.js";
import { pieceSizeFor } from "../../scripts/scan/hash-pool.js";
import { mirror, table } from "../helpers/fixtures.js";

const run = promisify(execFile);
const has = (bin: string) => spawnSync(bin, ["--version"], { stdio: "ignore" }).status === 0 || spawnSync("which", [bin], { stdio: "ignore" }).status === 0;
const ISO = "releases/2.0/big.iso";
const CONTENT = bytes("clients-iso", 6 * 1024 * 1024 + 12345);
const sha = (alg: string, b: Buffer) => createHash(alg).update(b).digest("hex");

let tmp: string;
let edge: LocalEdge;
const mirrors: StaticServer[] = [];
let origin: StaticServer;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-clients-"));
  for (const name of ["origin", "m1", "m2", "m3"]) {
    mkdirSync(path.join(tmp, name, "releases/2.0"), { recursive: true });
    writeFileSync(path.join(tmp, name, ISO), CONTENT);
  }
  origin = await startStaticServer(path.join(tmp, "origin"));
  for (const name of ["m1", "m2", "m3"]) mirrors.push(await startStaticServer(path.join(tmp, name)));
  edge = await startLocalEdge({ vars: { ORIGIN_URL: origin.url, MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0" } });
  await copyIndex(edge);
}, 60_000);

async function copyIndex(target: LocalEdge) {
  const pieceSize = pieceSizeFor(CONTENT.length);
  const pieces: Buffer[] = [];
  for (let i = 0; i < CONTENT.length; i += pieceSize)
    pieces.push(
      createHash("sha256")
        .update(CONTENT.subarray(i, i + pieceSize))
        .digest(),
    );
  const ms = mirrors.map((s, i) => mirror({ id: i + 1, name: `m${i + 1}`, country: ["DE", "FR", "NL"][i]!, continent: "EU", urls: { http: s.url } }));
  await writeIndex(
    target,
    table(ms),
    {
      [ISO]: {
        size: CONTENT.length,
        mtime: 1_763_000_000,
        changed: 1_763_000_000,
        md5: sha("md5", CONTENT),
        sha1: sha("sha1", CONTENT),
        sha256: sha("sha256", CONTENT),
        mirrors: [1, 2, 3],
      },
      // No mirror has it yet, and repository metadata: both Metalinks name the origin alone.
      "releases/2.0/fresh & new.iso": { size: 9000, mtime: 1_763_000_000, changed: 1_763_000_000, mirrors: [] },
      "repo/repodata/repomd.xml": { size: 5000, mtime: 1_763_000_000, changed: 1_763_000_000, sha256: sha("sha256", Buffer.from("x")), mirrors: [1, 2] },
    },
    { details: { [ISO]: { sha512: sha("sha512", CONTENT), pieceSize, pieces: Buffer.concat(pieces) } } },
  );
}

afterAll(async () => {
  await edge?.dispose();
  for (const s of [origin, ...mirrors]) await s?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function aria2c(args: string[], dir: string): Promise<{ code: number; out: string }> {
  mkdirSync(dir, { recursive: true });
  const base = [
    "--dir",
    dir,
    "--allow-overwrite=true",
    "--auto-file-renaming=false",
    "--summary-interval=0",
    "--console-log-level=warn",
    "--max-tries=3",
    "--retry-wait=0",
    "--connect-timeout=3",
    "--timeout=10",
    "--header=x-debug-country: DE",
  ];
  try {
    const r = await run("timeout", ["120", "aria2c", ...base, ...args]);
    return { code: 0, out: r.stdout + r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const sha256sum = async (file: string) => (await run("sha256sum", [file])).stdout.split(" ")[0];

describe.skipIf(!has("aria2c"))("aria2c", () => {
  it("downloads through the .meta4 from three mirrors and the bytes match (sha256sum)", async () => {
    const dir = path.join(tmp, "dl-meta4");
    const r = await aria2c([`${edge.url.origin}/${ISO}.meta4`], dir);
    expect(r.code, r.out).toBe(0);
    expect(await sha256sum(path.join(dir, "big.iso"))).toBe(sha("sha256", CONTENT));
  }, 150_000);

  it("given the plain URL, finishes from the other mirrors when the Location mirror is down", async () => {
    const probe = await fetch(`${edge.url.origin}/${ISO}`, { redirect: "manual", headers: { "x-debug-country": "DE" } });
    const down = mirrors.find((s) => probe.headers.get("location")!.startsWith(s.url))!;
    await down.stop();
    try {
      const dir = path.join(tmp, "dl-plain");
      const r = await aria2c([`${edge.url.origin}/${ISO}`], dir);
      expect(r.code, r.out).toBe(0);
      expect(await sha256sum(path.join(dir, "big.iso"))).toBe(sha("sha256", CONTENT));
    } finally {
      await down.start();
    }
  }, 150_000);
});

describe.skipIf(!has("aria2c"))("aria2c and corrupted bytes", () => {
  // aria2c sends "Accept: */*,application/metalink4+xml,…" on every request, even with
  // --follow-metalink=false, so from mirrorhop it always gets the negotiated Metalink and checks
  // its hashes; the Digest-bearing 302 is for clients that do not ask for Metalinks.
  it("refuses a file whose bytes match no published piece hash, whatever the source", async () => {
    const corrupt = Buffer.from(CONTENT);
    corrupt[1000] = corrupt[1000]! ^ 0xff;
    const files = [origin, ...mirrors].map((s) => path.join(s.root, ISO));
    for (const f of files) writeFileSync(f, corrupt);
    try {
      const r = await aria2c(["--max-tries=1", `${edge.url.origin}/${ISO}`], path.join(tmp, "dl-corrupt"));
      // A failed piece hash is aria2c's "Invalid checksum" (error code 1; 32 is a whole-file mismatch).
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toMatch(/Invalid checksum/);
    } finally {
      for (const f of files) writeFileSync(f, CONTENT);
    }
  }, 150_000);
});

// wget2 sends Host without a non-default port, so it can only find this service's own links when the
// Worker listens on port 80 (root can bind it on loopback; elsewhere the test is skipped).
const canBind80 = process.getuid?.() === 0;

describe.skipIf(!has("wget2") || !canBind80)("wget2", () => {
  let edge80: LocalEdge | null = null;
  afterAll(async () => {
    await edge80?.dispose();
  });

  it("follows rel=describedby to the .meta4 and gets the right bytes", async () => {
    edge80 = await startLocalEdge({ port: 80, vars: { ORIGIN_URL: origin.url, MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0" } });
    await copyIndex(edge80);
    const dir = path.join(tmp, "dl-wget2");
    mkdirSync(dir, { recursive: true });
    let out = "";
    try {
      // wget2 saves a Metalink's file into its working directory, whatever -P says.
      const r = await run("timeout", ["120", "wget2", "--metalink=on", "-d", "--header=x-debug-country: DE", `http://127.0.0.1/${ISO}`], { cwd: dir });
      out = r.stdout + r.stderr;
    } catch (err) {
      const e = err as { stdout: string; stderr: string };
      throw new Error(e.stdout + e.stderr);
    }
    expect(out).toMatch(/GET \/releases\/2\.0\/big\.iso\.meta4/);
    expect(await sha256sum(path.join(dir, "big.iso"))).toBe(sha("sha256", CONTENT));
  }, 150_000);
});

describe.skipIf(!has("jing"))("RFC 5854 schema", () => {
  it("every Metalink 4 the Worker produces validates with jing", async () => {
    const docs = [`${ISO}.meta4`, `${ISO}.meta4?limit=1`, "releases/2.0/fresh%20%26%20new.iso.meta4", "repo/repodata/repomd.xml.meta4"];
    const files: string[] = [];
    for (const [i, d] of docs.entries()) {
      const res = await fetch(`${edge.url.origin}/${d}`, { headers: { "x-debug-country": "DE" } });
      expect(res.status, d).toBe(200);
      const xml = await res.text();
      const f = path.join(tmp, `doc${i}.meta4`);
      writeFileSync(f, xml);
      files.push(f);
    }
    const negotiated = await fetch(`${edge.url.origin}/${ISO}`, { headers: { accept: "application/metalink4+xml", "x-debug-country": "FR" } });
    writeFileSync(path.join(tmp, "negotiated.meta4"), await negotiated.text());
    files.push(path.join(tmp, "negotiated.meta4"));
    const r = spawnSync("jing", ["-c", path.join(ROOT, "test/fixtures/metalink4.rnc"), ...files], { encoding: "utf8" });
    // Debian's jing wrapper warns about optional jars on stderr; the verdict is the exit status and stdout.
    expect(r.stdout).toBe("");
    expect(r.status).toBe(0);
    // And jing can fail: a Metalink without its required file element is refused.
    const broken = path.join(tmp, "broken.meta4");
    writeFileSync(broken, readFileSync(files[0]!, "utf8").replace(/<file[^]*<\/file>/, ""));
    expect(spawnSync("jing", ["-c", path.join(ROOT, "test/fixtures/metalink4.rnc"), broken]).status).not.toBe(0);
  }, 60_000);
});
