/**
 * The nearest directory above a missing path that has a listing, for a browser's 404 page: a link
 * to the parent helps only when the parent exists. Asked of KV alone (the 404 path's own miss cache
 * applies), for a few ancestors at once, so a deep random path costs a bounded number of reads.
 */

import type { Env } from "../env.js";
import { lookupListing } from "./listing-lookup.js";

/** Ancestors asked at most: past that the root is offered. */
export const MAX_ANCESTORS_ASKED = 4;

/** "a/b/c.iso" → ["a/b/", "a/"]: the directories above a path, nearest first, the root left out. */
export function ancestorDirs(path: string): string[] {
  const dirs: string[] = [];
  for (let i = path.lastIndexOf("/", path.endsWith("/") ? path.length - 2 : path.length); i > 0; i = path.lastIndexOf("/", i - 1))
    dirs.push(path.slice(0, i + 1));
  return dirs;
}

/** The nearest listed directory above `path` ("dir/sub/"), or "" (the root) when none of the nearest few is. */
export async function nearestListedDir(env: Env, path: string): Promise<string> {
  const asked = ancestorDirs(path).slice(0, MAX_ANCESTORS_ASKED);
  const found = await Promise.all(asked.map(async (d) => (await lookupListing(env, d, false)).kind === "found"));
  const i = found.indexOf(true);
  return i < 0 ? "" : asked[i]!;
}
