/**
 * Walks the origin tree. Symlinks that stay inside the tree become aliases (the path is served
 * with the target's content); links that escape the tree, dangle or loop are reported and
 * skipped. Names are taken as the file system gives them (UTF-8, spaces and all); a name that is
 * not UTF-8, or holds a control character, cannot be served by the edge and is reported and
 * skipped. A directory that cannot be read is reported, and its files are not taken as removed.
 */

import { lstat, readdir, readlink, realpath, stat } from "node:fs/promises";
import path from "node:path";

export interface WalkedFile {
  path: string;
  size: number;
  mtimeMs: number;
  mtimeNs: string;
  ino: string;
  /** For an alias: the index path of its target. */
  aliasOf?: string;
}

export interface WalkResult {
  files: WalkedFile[];
  skipped: { path: string; reason: string }[];
  /** Directories that could not be read: what the state knew below them stands. */
  unreadable: string[];
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** The directory read the walk uses; a test passes one that fails where root cannot be refused. */
export type ReadDir = (dir: string) => Promise<import("node:fs").Dirent<Buffer>[]>;
const readDirBytes: ReadDir = (dir) => readdir(dir, { withFileTypes: true, encoding: "buffer" });

export async function walkTree(root: string, subtree = "", readDir: ReadDir = readDirBytes): Promise<WalkResult> {
  const realRoot = await realpath(root);
  const files: WalkedFile[] = [];
  const skipped: WalkResult["skipped"] = [];
  const unreadable: string[] = [];
  const inTree = (real: string) => real === realRoot || real.startsWith(realRoot + path.sep);
  const toIndexPath = (real: string) => path.relative(realRoot, real).split(path.sep).join("/");

  async function visit(rel: string, ancestors: Set<string>): Promise<void> {
    const full = path.join(realRoot, rel);
    let raw;
    try {
      // As bytes: a name that is not UTF-8 would otherwise come back altered, naming no file.
      raw = await readDir(full);
    } catch (err) {
      skipped.push({ path: rel || ".", reason: `cannot read directory (what was known below it stands): ${(err as Error).message}` });
      unreadable.push(rel);
      return;
    }
    const entries: { name: string; isSymbolicLink(): boolean; isDirectory(): boolean; isFile(): boolean }[] = [];
    for (const e of raw) {
      let name: string;
      try {
        name = UTF8.decode(e.name);
      } catch {
        skipped.push({
          path: `${rel ? rel + "/" : ""}${e.name.toString("latin1")}`,
          reason: `name is not UTF-8 (bytes ${e.name.toString("hex")}): no URL can name it`,
        });
        continue;
      }
      if (/[\x00-\x1f\x7f]/.test(name)) {
        skipped.push({ path: `${rel ? rel + "/" : ""}${JSON.stringify(name).slice(1, -1)}`, reason: "name holds a control character: no URL can name it" });
        continue;
      }
      entries.push({ name, isSymbolicLink: () => e.isSymbolicLink(), isDirectory: () => e.isDirectory(), isFile: () => e.isFile() });
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const childFull = path.join(full, e.name);
      if (e.isSymbolicLink()) {
        const target = await readlink(childFull).catch(() => "?");
        const real = await realpath(childFull).catch(() => null);
        if (!real) {
          skipped.push({ path: childRel, reason: `symlink to ${target} dangles or loops` });
          continue;
        }
        if (!inTree(real)) {
          skipped.push({ path: childRel, reason: `symlink to ${target} leaves the tree` });
          continue;
        }
        const st = await stat(real);
        if (st.isDirectory()) {
          if (ancestors.has(real)) {
            skipped.push({ path: childRel, reason: `symlink to ${target} loops back into its own ancestry` });
            continue;
          }
          await visitAliasDir(childRel, real, new Set([...ancestors, real]));
        } else if (st.isFile()) {
          files.push(fileOf(childRel, st, toIndexPath(real)));
        }
        continue;
      }
      if (e.isDirectory()) {
        await visit(childRel, new Set([...ancestors, path.join(realRoot, childRel)]));
      } else if (e.isFile()) {
        // Gone between the listing and the stat: a live tree; the next scan sees what became of it.
        const st = await lstat(childFull).catch(() => null);
        if (st) files.push(fileOf(childRel, st));
        else skipped.push({ path: childRel, reason: "vanished while the tree was walked" });
      }
    }
  }

  // A directory reached through a symlink: its files are aliases of the real ones.
  async function visitAliasDir(aliasRel: string, real: string, ancestors: Set<string>): Promise<void> {
    const before = files.length;
    const realRel = toIndexPath(real);
    await visit(realRel, ancestors);
    for (let i = before; i < files.length; i++) {
      const f = files[i]!;
      const target = f.aliasOf ?? f.path;
      f.path = aliasRel + f.path.slice(realRel.length);
      f.aliasOf = target;
    }
  }

  const start = subtree.replace(/^\/+|\/+$/g, "");
  await visit(start, new Set([path.join(realRoot, start)]));
  return { files, skipped, unreadable };
}

function fileOf(rel: string, st: { size: number; mtimeMs: number; mtimeNs?: bigint; ino: number | bigint }, aliasOf?: string): WalkedFile {
  return {
    path: rel,
    size: st.size,
    mtimeMs: st.mtimeMs,
    mtimeNs: String(st.mtimeNs ?? Math.round(st.mtimeMs * 1e6)),
    ino: String(st.ino),
    ...(aliasOf !== undefined ? { aliasOf } : {}),
  };
}
