/**
 * HTTP and FTP listings of a large tree through the scanner (a child process: list + store, then
 * a rescan), against fetching the same directory listings with curl, which is the server and the
 * transport alone: what a lister cannot go below. The servers are the project's own loopback
 * servers (the static server's nginx-style autoindex, ftp-srv), each in a process of its own.
 * curl fetches HTTP pages 4 at a time, as the lister does, and FTP listings one after another
 * on one connection, as the lister does. Peak RSS is the child's, over the scan and the rescan.
 */

import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bigTree } from "./scanner.js";

const TSX = path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface ChildResult {
  listStoreSeconds: number;
  listStoreRssMiB: number;
  rescanSeconds: number;
  entries: number;
}

async function startServer(protocol: "http" | "ftp", root: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [TSX, path.join(import.meta.dirname, "listing-server-child.ts"), protocol, root], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${protocol} server exited with ${code}`)));
    child.stdout!.once("data", (d) => resolve(String(d).trim()));
  });
  return { url, child };
}

export async function runListingProtocolsBench(n = Number(process.env.LISTING_FILES ?? 200_000), rounds = 3) {
  const tree = bigTree(n);
  const dirs = Array.from({ length: n / 1000 }, (_, d) => `d${String(d).padStart(4, "0")}/`);
  const results: Record<string, unknown> = { entries: n };
  for (const protocol of ["http", "ftp"] as const) {
    const { url, child } = await startServer(protocol, tree);
    const curlConfig = path.join(os.tmpdir(), `mirrorhop-bench-curl-${protocol}.txt`);
    writeFileSync(curlConfig, ["", ...dirs].map((d) => `url = "${url}${d}"\noutput = "/dev/null"\n`).join(""));
    const curlArgs = ["-sS", "--no-progress-meter", ...(protocol === "http" ? ["--parallel", "--parallel-max", "4"] : []), "-K", curlConfig];
    const base: number[] = [];
    const ours: ChildResult[] = [];
    try {
      for (let r = 0; r < rounds; r++) {
        const t = process.hrtime.bigint();
        execFileSync("curl", curlArgs);
        base.push(Number(process.hrtime.bigint() - t) / 1e9);
        const run = spawnSync(process.execPath, [TSX, path.join(import.meta.dirname, "listing-child.ts"), protocol, url, String(n), "--no-diff"], {
          encoding: "utf8",
        });
        if (run.status !== 0) throw new Error(run.stderr);
        ours.push(JSON.parse(run.stdout.trim().split("\n").at(-1)!));
      }
    } finally {
      child.kill("SIGTERM");
      rmSync(curlConfig, { force: true });
    }
    const b = median(base);
    const ls = median(ours.map((o) => o.listStoreSeconds));
    const rs = median(ours.map((o) => o.rescanSeconds));
    results[protocol] = {
      entries: ours[0]!.entries,
      curlAloneSeconds: Number(b.toFixed(2)),
      listStoreSeconds: Number(ls.toFixed(2)),
      listStoreRatio: Number((ls / b).toFixed(2)),
      rescanSeconds: Number(rs.toFixed(2)),
      rescanRatio: Number((rs / b).toFixed(2)),
      listStorePeakRssMiB: Math.max(...ours.map((o) => o.listStoreRssMiB)),
    };
  }
  return results;
}
