/**
 * Walks the origin tree. Symlinks that stay inside the tree become aliases (the path is served
 * with the target's content); links that escape the tree, dangle or loop are reported and
 * skipped. Names are taken as the file system gives them (UTF-8, spaces and all).
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
}

export async function walkTree(root: string, subtree = ""): Promise<WalkResult> {
  const realRoot = await realpath(root);
  const files: WalkedFile[] = [];
  const skipped: WalkResult["skipped"] = [];
  const inTree = (real: string) => real === realRoot || real.startsWith(realRoot + path.sep);
  const toIndexPath = (real: string) => path.relative(realRoot, real).split(path.sep).join("/");

  async function visit(rel: string, ancestors: Set<string>): Promise<void> {
    const full = path.join(realRoot, rel);
    let entries;
    try {
      entries = await readdir(full, { withFileTypes: true });
    } catch (err) {
      skipped.push({ path: rel || ".", reason: `cannot read directory: ${(err as Error).message}` });
      return;
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
        const st = await lstat(childFull);
        files.push(fileOf(childRel, st));
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
  return { files, skipped };
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
