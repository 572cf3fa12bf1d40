import { spawnSync, execFileSync } from "node:child_process";
import path from "node:path";
import { startRsyncDaemon } from "../scripts/lib/rsync-daemon.js";
const n = Number(process.argv[2]);
const d = await startRsyncDaemon(`/tmp/mirrorhop-bench-tree-${n}`);
try {
  let t = Date.now();
  execFileSync("sh", ["-c", `TZ=UTC rsync --list-only -r -l -8 --no-motd --no-human-readable ${d.url} > /dev/null`]);
  console.log("rsync alone", (Date.now() - t) / 1000);
  const c = spawnSync(process.execPath, [path.join(process.cwd(), "node_modules/tsx/dist/cli.mjs"), "bench/rsync-listing-child.ts", d.url, String(n)], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "--cpu-prof --cpu-prof-dir=/tmp/rprof" } });
  console.log(c.stdout, c.stderr.slice(-500));
} finally { await d.stop(); }
