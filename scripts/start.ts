/**
 * `npm start`: the local demo, end to end through the same CLI and wrangler commands an operator
 * uses. Generates a demo origin tree; serves it and five HTTP mirrors on loopback "in" five
 * countries on four continents (jp-tyo holds only part of the tree, br-sao an older build of the
 * 1.1 ISO), plus an rsync-daemon mirror when rsync is installed; writes .mirrorhop/demo/mirrorhop.toml;
 * runs `mirrorhop scan origin`, `scan mirrors` and `push --local`; then serves the Worker with
 * `wrangler dev` on 127.0.0.1:8787 (PORT changes it), debug geo headers on. Ctrl-C stops it all.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { demoConfig, type DemoMirrorRun } from "./demo/config.js";
import { DEMO_FILES, DEMO_MIRRORS, DEMO_RSYNC_MIRROR, TRACE_FILE, traceNow, writeMirror, writeTree } from "./demo/tree.js";
import { ROOT } from "./lib/local-edge.js";
import { wranglerDev } from "./lib/wrangler-bin.js";
import { loadConfig } from "./config/load.js";
import { mirrorOf } from "./config/schema.js";
import { seedDemoRollout } from "./demo/rollout.js";
import { withStore } from "./store/store.js";
import { hasRsync, type RsyncDaemon, startRsyncDaemon } from "./lib/rsync-daemon.js";
import { startStaticServer, type StaticServer } from "./lib/static-server.js";

const port = Number(process.env.PORT ?? 8787);
const base = path.join(ROOT, ".mirrorhop/demo");
const originDir = path.join(base, "origin");
const configFile = path.join(base, "mirrorhop.toml");
const persistTo = path.join(base, "wrangler-state");
const require = createRequire(import.meta.url);

const servers: StaticServer[] = [];
let rsyncd: RsyncDaemon | null = null;
let worker: ChildProcess | null = null;
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  worker?.kill("SIGTERM");
  await Promise.all(servers.map((s) => s.stop()));
  await rsyncd?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());

// The port first: finding it taken only once wrangler starts, after every scan, costs a minute.
const free = await new Promise<boolean>((resolve) => {
  const probe = createServer()
    .once("error", () => resolve(false))
    .listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
});
if (!free) {
  console.error(`port ${port} on 127.0.0.1 is in use (another demo still running?); stop it, or run PORT=8788 npm start`);
  process.exit(2);
}
// Every run starts from nothing: no verdict, push state or probe history of an earlier run carries over.
rmSync(base, { recursive: true, force: true });
console.log(`demo tree in ${path.relative(process.cwd(), base)}/ (fresh: the previous run's state is removed)`);
await writeTree(originDir, { ...DEMO_FILES, [TRACE_FILE]: traceNow() });
const origin = await startStaticServer(originDir);
servers.push(origin);

const runs: DemoMirrorRun[] = [];
const specs = [...DEMO_MIRRORS, ...(hasRsync() ? [DEMO_RSYNC_MIRROR] : [])];
for (const [i, m] of specs.entries()) {
  const dir = path.join(base, "mirrors", m.name);
  await writeMirror(originDir, dir, m);
  const server = await startStaticServer(dir);
  servers.push(server);
  const run: DemoMirrorRun = { id: i + 1, spec: m, http: server.url };
  if (m === DEMO_RSYNC_MIRROR) {
    rsyncd = await startRsyncDaemon(dir);
    run.rsync = rsyncd.url;
  }
  runs.push(run);
  console.log(`mirror ${m.name.padEnd(7)} ${m.country}/${m.continent}  ${run.rsync ?? server.url}  (${m.holds})`);
}
if (!hasRsync()) console.log("(rsync is not installed: no rsync-daemon mirror this time)");
writeFileSync(configFile, demoConfig(originDir, origin.url, runs));

// The CLI runs as its own process, asynchronously: this process must keep serving the mirrors it scans.
const cli = async (...args: string[]) => {
  console.log(`\n$ mirrorhop ${args.join(" ")}`);
  const child = spawn(process.execPath, [require.resolve("tsx/cli"), path.join(ROOT, "scripts/mirrorhop.ts"), "-c", configFile, ...args], { stdio: "inherit" });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  // Exit 3 from `scan mirrors` means some mirror failed; the demo goes on with the others.
  if (code !== 0 && !((args[1] === "mirrors" || args[0] === "probe") && code === 3)) {
    console.error(`mirrorhop ${args.join(" ")} failed`);
    await stop(1);
  }
};
await cli("scan", "origin");
await cli("scan", "mirrors");
await cli("push", "--local", "--persist-to", persistTo);
// Twelve hours of probe history for the rollout chart (simulated outcomes, real code path), then
// one real probe round, as the Worker's cron would run it (loopback mirrors have no IPv6 address,
// so no family split).
{
  const c = loadConfig(configFile);
  const rounds = await withStore({ kind: "local", persistTo }, (store) => seedDemoRollout(store, { policy: c.policy, mirrors: c.mirrors.map(mirrorOf) }));
  console.log(`\nrollout chart: ${rounds} simulated probe rounds over the last 12 hours (scripts/demo/rollout.ts)`);
}
await cli("probe", "--local", "--persist-to", persistTo, "--no-families");

const dev = wranglerDev(port, persistTo, { ORIGIN_URL: origin.url, DEBUG_HEADERS: "true" }, ["--test-scheduled"]);
worker = spawn(process.execPath, dev.args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], env: dev.env });
worker.on("exit", (code) => {
  if (!stopping) {
    console.error(`wrangler dev exited (${code})`);
    void stop(1);
  }
});
const w = `http://127.0.0.1:${port}`;
for (let i = 0; i < 120; i++) {
  const ok = await fetch(`${w}/_mirrorhop/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  await new Promise((r) => setTimeout(r, 500));
}
console.log(`
origin  ${origin.url}
worker  ${w}/   (debug geo headers on)

Try:
  curl -sI ${w}/releases/1.0/mirrorhop-demo-1.0.iso -H 'x-debug-country: DE'
  curl -sI ${w}/releases/1.0/mirrorhop-demo-1.0.iso -H 'x-debug-country: JP' -H 'x-debug-ip: 203.0.113.7'
  curl -sI ${w}/releases/1.1/mirrorhop-demo-1.1.iso -H 'x-debug-country: BR'     # br-sao holds an old 1.1: skipped
  curl -sI '${w}/releases/1.0/mirrorhop-demo-1.0.iso?avoid=de,fr' -H 'x-debug-country: DE'
  curl -sI ${w}/repo/repodata/repomd.xml                                          # metadata: origin
  curl -s  ${w}/_mirrorhop/explain/releases/1.1/mirrorhop-demo-1.1.iso -H 'x-debug-country: BR'
  curl -sL ${w}/releases/1.0/mirrorhop-demo-1.0.iso -H 'x-debug-country: US' | sha256sum
  open ${w}/_mirrorhop/status                                                      # mirrors, lag, coverage, rollout chart
  curl -s  ${w}/_mirrorhop/metrics                                                 # Prometheus
  curl -s  ${w}/__scheduled                                                        # run the cron's probe round now
  npm run mirrorhop -- -c ${path.relative(ROOT, configFile)} explain releases/1.1/mirrorhop-demo-1.1.iso --country BR --scheme http

Ctrl-C stops the Worker and the mirrors.`);
