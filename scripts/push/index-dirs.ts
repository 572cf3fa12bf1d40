/**
 * One directory of the state's index, for a push that plans only the directories where something
 * changed (index-state.ts): its files' details (for its detail pack) and its listing. Both read
 * the directory alone, never its subtree: the root's listing is one step per entry, not per file
 * below it.
 */

import { type DirEntry, type DirListing, sortEntries } from "../../src/core/dir-listing.js";
import type { StateDb } from "../state/db.js";
import { type IndexedFile, indexedFileOf, ORIGIN_COLUMNS, type StoredFileColumns } from "./index-build.js";

/** The origin's files directly in `dir` ("a/b/", or "" for the root), as the detail packs read them (holders left out). */
export function dirFiles(db: StateDb, dir: string): IndexedFile[] {
  return (db.prepare(`${ORIGIN_COLUMNS} WHERE rtrim(o.path, replace(o.path, '/', '')) = ? ORDER BY o.path`).all(dir) as unknown as StoredFileColumns[]).map(
    (o) => indexedFileOf(o, []),
  );
}

/**
 * The listing of `dir` from the listed files of the index, or null when nothing below it is listed
 * (the root is always listed). A skip scan: each subdirectory is one step, past all it holds.
 */
export function listingFromIndex(db: StateDb, dir: string): DirListing | null {
  const end = dir ? `${dir.slice(0, -1)}0` : null;
  const bound = end === null ? "" : " AND i.path < ?";
  const step = (op: ">" | ">=") =>
    db.prepare(
      `SELECT i.path AS path, o.size AS size, o.mtime AS mtime FROM index_files i JOIN origin_files o ON o.path = i.path WHERE i.listed = 1 AND i.path ${op} ?${bound} ORDER BY i.path LIMIT 1`,
    );
  const after = step(">");
  const from = step(">=");
  const entries: DirEntry[] = [];
  let r = from.get(dir, ...(end === null ? [] : [end])) as { path: string; size: number; mtime: number } | undefined;
  while (r) {
    const rest = r.path.slice(dir.length);
    const slash = rest.indexOf("/");
    if (slash < 0) {
      entries.push({ name: rest, size: r.size, mtime: r.mtime });
      r = after.get(r.path, ...(end === null ? [] : [end])) as typeof r;
    } else {
      const name = rest.slice(0, slash);
      entries.push({ name, dir: true });
      // Past everything below "name/": the next path that does not start with it.
      r = from.get(`${dir}${name}0`, ...(end === null ? [] : [end])) as typeof r;
    }
  }
  if (entries.length === 0 && dir !== "") return null;
  return { path: dir, entries: sortEntries(entries) };
}
