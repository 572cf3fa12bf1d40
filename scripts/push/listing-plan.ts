/**
 * Which directory listing pages a push writes and deletes: every directory's against every pushed
 * page (a full plan), or only those of the directories where files changed (an incremental one).
 */

import { createHash } from "node:crypto";
import { buildListings, type DirListing, isListed, listingPageId, listingPages, parseListingPageId } from "../../src/core/dir-listing.js";
import { listingKey } from "../../src/core/file-record.js";
import { dirOf } from "../../src/core/path.js";
import { compilePathGlobs, type ReleasePolicy } from "../../src/core/policy.js";
import type { StateDb } from "../state/db.js";
import type { IndexedFile } from "./index-build.js";
import { listingFromIndex } from "./index-dirs.js";
import type { PushPlan } from "./plan.js";

export type ListingPlan = Pick<PushPlan, "dirPut" | "dirDelete">;

const pagePut = async (dir: string, page: number, listing: DirListing) => {
  const value = JSON.stringify(listing);
  return { dir: listingPageId(dir, page), key: await listingKey(dir, page), value, digest: createHash("sha1").update(value).digest("hex") };
};

const pageDelete = async (id: string) => {
  const { dir, page } = parseListingPageId(id);
  return { dir: id, key: await listingKey(dir, page) };
};

/** Every directory's listing against every pushed one. */
export async function planListings(db: StateDb, gate: ReleasePolicy, files: readonly IndexedFile[]): Promise<ListingPlan> {
  const pushedDirs = new Map<string, string>();
  for (const r of db.prepare("SELECT dir, digest FROM pushed_dirs").iterate() as Iterable<{ dir: string; digest: string }>) pushedDirs.set(r.dir, r.digest);
  // A staged file appears with the push after enough mirrors hold it.
  const staged = compilePathGlobs(gate.staged);
  const listed = files.filter((f) => isListed(f.path, f.record.mirrors.length, gate.minMirrors, staged));
  const listings = buildListings(listed.map((f) => ({ path: f.path, size: f.record.size, mtime: f.record.mtime })));
  const dirPut: PushPlan["dirPut"] = [];
  const pages = new Set<string>();
  for (const [dir, listing] of listings) {
    for (const [i, page] of listingPages(listing).entries()) {
      const put = await pagePut(dir, i + 1, page);
      pages.add(put.dir);
      if (pushedDirs.get(put.dir) !== put.digest) dirPut.push(put);
    }
  }
  const dirDelete = await Promise.all([...pushedDirs.keys()].filter((id) => !pages.has(id)).map(pageDelete));
  return { dirPut, dirDelete };
}

/**
 * The listings of the directories where files changed, from the state's index. A directory that
 * gained its first listed file or lost its last one also changes its parent's listing (which names
 * it), and so on up while that holds.
 */
export async function planListingsOf(db: StateDb, changed: Set<string>): Promise<ListingPlan> {
  const pushedDigest = db.prepare("SELECT digest FROM pushed_dirs WHERE dir = ?");
  // A directory's later pages: "dir:2", "dir:3" … (parseListingPageId tells them from a subdirectory named ":x").
  const laterPages = db.prepare("SELECT dir FROM pushed_dirs WHERE dir > ? AND dir < ?");
  const dirPut: PushPlan["dirPut"] = [];
  const dirDelete: PushPlan["dirDelete"] = [];
  const todo = [...changed];
  const done = new Set<string>();
  while (todo.length) {
    const dir = todo.pop()!;
    if (done.has(dir)) continue;
    done.add(dir);
    const listing = listingFromIndex(db, dir);
    const pages = new Set<string>();
    for (const [i, page] of (listing ? listingPages(listing) : []).entries()) {
      const put = await pagePut(dir, i + 1, page);
      pages.add(put.dir);
      if ((pushedDigest.get(put.dir) as { digest: string } | undefined)?.digest !== put.digest) dirPut.push(put);
    }
    const pushed = [
      ...(pushedDigest.get(dir) ? [dir] : []),
      ...(laterPages.all(`${dir}:`, `${dir};`) as { dir: string }[]).map((r) => r.dir).filter((id) => parseListingPageId(id).dir === dir),
    ];
    for (const id of pushed) if (!pages.has(id)) dirDelete.push(await pageDelete(id));
    if (dir !== "" && (listing !== null) !== (pushedDigest.get(dir) !== undefined)) todo.push(dirOf(dir.slice(0, -1)));
  }
  return { dirPut, dirDelete };
}
