/**
 * `npm start`: the local demo. Generates a demo origin tree, serves it and five mirrors on
 * loopback (one partial, one holding an older version of a file), writes the index into local
 * D1/KV, and runs the Worker on 127.0.0.1:8787 (PORT changes it) with debug geo headers on.
 * Ctrl-C stops everything it started.
 */

import path from "node:path";
import { mirrorWithDefaults } from "../src/core/mirror.js";
import { policyWithDefaults } from "../src/core/policy.js";
import { diskIndex } from "./demo/disk-index.js";
import { DEMO_FILES, DEMO_MIRRORS, writeMirror, writeTree } from "./demo/tree.js";
import { ROOT, startLocalEdge } from "./lib/local-edge.js";
import { startStaticServer, type StaticServer } from "./lib/static-server.js";
import { writeIndex } from "./lib/write-index.js";

const port = Number(process.env.PORT ?? 8787);
const base = path.join(ROOT, ".mirrorhop/demo");
const originDir = path.join(base, "origin");

console.log(`demo tree in ${path.relative(process.cwd(), base)}/`);
await writeTree(originDir, DEMO_FILES);
const servers: StaticServer[] = [];
const origin = await startStaticServer(originDir);
servers.push(origin);

const mirrors = [];
for (const [i, m] of DEMO_MIRRORS.entries()) {
  const dir = path.join(base, "mirrors", m.name);
  await writeMirror(originDir, dir, m);
  const server = await startStaticServer(dir);
  servers.push(server);
  mirrors.push({ spec: m, dir, server, mirror: mirrorWithDefaults({ id: i + 1, name: m.name, country: m.country, continent: m.continent, lat: m.lat, lon: m.lon, urls: { http: server.url } }) });
  console.log(`mirror ${m.name.padEnd(7)} ${m.country}/${m.continent}  ${server.url}  (${m.holds})`);
}

const files = await diskIndex(originDir, mirrors.map((m) => ({ id: m.mirror.id, root: m.dir })));
const edge = await startLocalEdge({ port, persistTo: path.join(base, "state"), vars: { ORIGIN_URL: origin.url } });
await writeIndex(edge, { format: 1, generation: new Date().toISOString(), policy: policyWithDefaults({}), mirrors: mirrors.map((m) => m.mirror) }, files);

const w = `http://127.0.0.1:${port}`;
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

Ctrl-C stops the Worker and the mirrors.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await edge.dispose();
  await Promise.all(servers.map((s) => s.stop()));
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
