/**
 * The demo's origin tree and its mirrors, generated deterministically so every run and every
 * machine sees the same bytes and the same hashes.
 */

import { createHash } from "node:crypto";
import { cp, mkdir, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";

const MiB = 1024 * 1024;

/** Pseudo-random bytes from a seed (xorshift32): incompressible like a real ISO, but reproducible. */
export function bytes(seed: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = createHash("sha256").update(seed).digest().readUInt32LE(0) || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) out[i] = i & 0xff;
  return out;
}

export const DEMO_FILES: Record<string, Buffer | string> = {
  "README.txt": "mirrorhop demo tree\n",
  "releases/1.0/mirrorhop-demo-1.0.iso": bytes("iso-1.0", 4 * MiB),
  "releases/1.1/mirrorhop-demo-1.1.iso": bytes("iso-1.1", 3 * MiB),
  "repo/x86_64/tool-1.0-1.x86_64.rpm": bytes("rpm-tool", 96 * 1024),
  "repo/x86_64/lib-2.3-1.x86_64.rpm": bytes("rpm-lib", 160 * 1024),
  "repo/repodata/repomd.xml": '<?xml version="1.0"?><repomd/>\n',
};

export const MTIME = new Date("2026-11-01T12:00:00Z");

/** The origin's trace file (`[origin] trace`), rewritten with the current time at every demo start. */
export const TRACE_FILE = "TIME";
export const traceNow = () => `${Math.floor(Date.now() / 1000)}\n`;

export async function writeTree(root: string, files: Record<string, Buffer | string>): Promise<void> {
  await rm(root, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(root, rel);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
    await utimes(full, MTIME, MTIME);
  }
}

export interface DemoMirror {
  name: string;
  country: string;
  continent: string;
  lat: number;
  lon: number;
  /** What this mirror holds, relative to the origin. */
  holds: "all" | "releases-1.0-only" | "old-1.1";
}

export const DEMO_MIRRORS: DemoMirror[] = [
  { name: "de-fra", country: "DE", continent: "EU", lat: 50.1, lon: 8.7, holds: "all" },
  { name: "fr-par", country: "FR", continent: "EU", lat: 48.9, lon: 2.35, holds: "all" },
  { name: "us-nyc", country: "US", continent: "NA", lat: 40.7, lon: -74.0, holds: "all" },
  { name: "jp-tyo", country: "JP", continent: "AS", lat: 35.7, lon: 139.7, holds: "releases-1.0-only" },
  { name: "br-sao", country: "BR", continent: "SA", lat: -23.5, lon: -46.6, holds: "old-1.1" },
];

/** Scanned over rsync (a daemon module) when the rsync binary is installed. */
export const DEMO_RSYNC_MIRROR: DemoMirror = { name: "se-sto", country: "SE", continent: "EU", lat: 59.3, lon: 18.1, holds: "all" };

/** Writes one mirror's copy of the origin, with its deliberate gaps and stale files. */
export async function writeMirror(origin: string, root: string, m: DemoMirror): Promise<void> {
  await rm(root, { recursive: true, force: true });
  if (m.holds === "releases-1.0-only") {
    await mkdir(path.join(root, "releases"), { recursive: true });
    await cp(path.join(origin, "releases/1.0"), path.join(root, "releases/1.0"), { recursive: true, preserveTimestamps: true });
    await cp(path.join(origin, TRACE_FILE), path.join(root, TRACE_FILE), { preserveTimestamps: true });
    return;
  }
  await cp(origin, root, { recursive: true, preserveTimestamps: true });
  if (m.holds === "old-1.1") {
    // The release candidate this mirror synced before 1.1 was re-spun: same name, other bytes.
    const stale = path.join(root, "releases/1.1/mirrorhop-demo-1.1.iso");
    await writeFile(stale, bytes("iso-1.1-rc", 3 * MiB - 4096));
    await utimes(stale, new Date("2026-10-30T12:00:00Z"), new Date("2026-10-30T12:00:00Z"));
    // And it stopped syncing: its trace file is two days behind the origin's (the status page shows the lag).
    await writeFile(path.join(root, TRACE_FILE), `${Math.floor(Date.now() / 1000) - 2 * 86_400}\n`);
  }
}
