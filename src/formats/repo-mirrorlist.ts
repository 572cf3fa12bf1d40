/**
 * Mirror lists in each package manager's own format, so the client fails over by itself:
 * apt's `mirror+http(s)://` list, dnf's `mirrorlist=` list, pacman's `Server =` lines. The
 * mirrors come best first (the same ranking as a download), the origin last.
 */

import type { RepositoryKind } from "../core/repository.js";

export interface RepoListEntry {
  /** The repository's base on this server, ending in '/'. */
  url: string;
  name: string;
}

export interface RepoListView {
  kind: RepositoryKind;
  /** The repository's id, for the header comment. */
  id: string;
  /** The pacman database name (`core` for core.db): `$repo` in a Server line. */
  repoName?: string;
  mirrors: RepoListEntry[];
  origin: string;
}

export function repoMirrorList(v: RepoListView): string {
  const all = [...v.mirrors, { url: v.origin, name: "origin" }];
  const head = `# mirrorhop: ${v.mirrors.length} mirror(s) holding the current metadata of ${v.id}, best first; the origin last\n`;
  switch (v.kind) {
    case "apt":
      // apt tries the lowest priority first; equal priorities would be picked at random.
      return head + all.map((e, i) => `${e.url}\tpriority:${i + 1}\n`).join("");
    case "rpm-md":
      return head + all.map((e) => `${e.url}\n`).join("");
    case "pacman":
      return head + all.map((e) => `Server = ${pacmanServer(e.url, v.repoName)}\n`).join("");
  }
}

/** `…/core/os/x86_64/` → `…/$repo/os/$arch`, as archlinux.org/mirrorlist writes it; other layouts stay literal. */
function pacmanServer(url: string, repoName: string | undefined): string {
  const m = /^(.*\/)([^/]+)\/os\/([^/]+)\/$/.exec(url);
  if (m && m[2] === repoName) return `${m[1]}$repo/os/$arch`;
  return url.replace(/\/$/, "");
}
