/**
 * The demo's index, built by comparing mirror directories with the origin on disk: a mirror
 * holds a file when its copy has the same size and the same SHA-256. (The CLI's scanner, issue 3,
 * learns the same over HTTP, FTP and rsync; this stands in until then.)
 */

import { createHash } from "node:crypto";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { FileRecord } from "../../src/core/file-record.js";

async function walk(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, r)));
    else if (e.isFile()) out.push(r);
  }
  return out.sort();
}

const digest = (alg: string, buf: Buffer) => createHash(alg).update(buf).digest("hex");

export async function diskIndex(origin: string, mirrors: { id: number; root: string }[]): Promise<Record<string, FileRecord>> {
  const index: Record<string, FileRecord> = {};
  for (const rel of await walk(origin)) {
    const full = path.join(origin, rel);
    const [buf, st] = await Promise.all([readFile(full), stat(full)]);
    const sha256 = digest("sha256", buf);
    const holders: number[] = [];
    for (const m of mirrors) {
      const copy = await readFile(path.join(m.root, rel)).catch(() => null);
      if (copy && copy.length === buf.length && digest("sha256", copy) === sha256) holders.push(m.id);
    }
    const mtime = Math.floor(st.mtimeMs / 1000);
    index[rel] = { size: st.size, mtime, changed: mtime, md5: digest("md5", buf), sha1: digest("sha1", buf), sha256, mirrors: holders };
  }
  return index;
}
