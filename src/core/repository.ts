/**
 * Package repositories as a unit (docs/repositories.md). A repository's metadata files (an apt
 * suite's `dists/<suite>/` tree, an rpm-md `repodata/`, a pacman database) describe one version of
 * the repository together: a client that takes its root file from one mirror and its indexes from
 * another, or one mirror's new root file with its old indexes, gets hash mismatches. The push
 * therefore offers a metadata file only on mirrors that hold the current version of *every*
 * metadata file of its repository, and the edge uses these rules to name a path's repository.
 *
 * Pure functions on canonical paths, shared by the push (grouping) and the Worker (mirror lists).
 */

export const REPOSITORY_KINDS = ["apt", "rpm-md", "pacman"] as const;
export type RepositoryKind = (typeof REPOSITORY_KINDS)[number];

/** A repository root the operator declared in mirrorhop.toml (`[[repository]]`). */
export interface RepositoryDecl {
  /** Directory of the tree, without leading or trailing '/' ("" is the whole tree). */
  root: string;
  /** What lives below the root; "detect" applies every kind's rule. */
  kind: RepositoryKind | "detect";
  /**
   * Where the metadata is served from: "mirrors" (the consistent mirrors, the default) or "origin"
   * (every metadata file from the origin; packages still from mirrors).
   */
  metadata: "mirrors" | "origin";
}

export interface RepositoryUnit {
  kind: RepositoryKind;
  /** Identifies the unit: `debian/dists/stable`, `fedora/x86_64` (holds repodata/), `arch/core/os/x86_64/core`. */
  id: string;
  /** What a client's source line names: the apt archive root, the rpm-md base, the pacman database's directory. */
  base: string;
  /** The file a client reads first and that names the rest (InRelease, repomd.xml, <repo>.db). */
  rootFile: string;
}

const PACMAN_DB = /^(.+)\.(db|files)(\.tar(\.[a-z0-9]+)?)?(\.sig)?$/;

/** The repository whose metadata `path` is, under one declared kind; null for packages and other files. */
export function metadataUnitOf(path: string, kind: RepositoryKind | "detect"): RepositoryUnit | null {
  if (kind === "detect") {
    for (const k of REPOSITORY_KINDS) {
      const u = metadataUnitOf(path, k);
      if (u) return u;
    }
    return null;
  }
  const slash = path.lastIndexOf("/");
  const dir = slash < 0 ? "" : path.slice(0, slash);
  const name = path.slice(slash + 1);
  switch (kind) {
    case "apt": {
      // The first `dists/<suite>/` on the path: everything below it belongs to that suite.
      const m = /(?:^|\/)dists\/([^/]+)\//.exec(path);
      if (!m) return null;
      const base = path.slice(0, m.index);
      const id = `${base ? base + "/" : ""}dists/${m[1]}`;
      return { kind, id, base, rootFile: `${id}/InRelease` };
    }
    case "rpm-md": {
      const at = path.startsWith("repodata/") ? 0 : path.indexOf("/repodata/") + 1;
      if (at <= 0 && !path.startsWith("repodata/")) return null;
      const base = path.slice(0, Math.max(0, at - 1));
      return { kind, id: base, base, rootFile: `${base ? base + "/" : ""}repodata/repomd.xml` };
    }
    case "pacman": {
      const m = PACMAN_DB.exec(name);
      if (!m) return null;
      return { kind, id: `${dir ? dir + "/" : ""}${m[1]}`, base: dir, rootFile: `${dir ? dir + "/" : ""}${m[1]}.db` };
    }
  }
}

/** The declared repository a path lies under (the longest root), if any. */
export function declaredRepositoryOf(path: string, repos: readonly RepositoryDecl[]): RepositoryDecl | undefined {
  let best: RepositoryDecl | undefined;
  for (const r of repos) {
    if (r.root !== "" && !path.startsWith(r.root + "/")) continue;
    if (!best || r.root.length > best.root.length) best = r;
  }
  return best;
}

/** The unit a path's metadata belongs to under the declared repositories, with the declaration. */
export function repositoryMetadataOf(path: string, repos: readonly RepositoryDecl[]): { decl: RepositoryDecl; unit: RepositoryUnit } | null {
  const decl = declaredRepositoryOf(path, repos);
  if (!decl) return null;
  const unit = metadataUnitOf(path, decl.kind);
  // A unit must lie inside its declared root: `dists/` above the root is not this repository's.
  if (!unit || (decl.root !== "" && !(unit.id + "/").startsWith(decl.root + "/"))) return null;
  return { decl, unit };
}

/**
 * The repository a mirror list is asked for, from its root file's path: `…/dists/<suite>/InRelease`
 * (or `Release`), `…/repodata/repomd.xml`, `…/<repo>.db`. Null when the path names no root file.
 */
export function unitOfRootFile(path: string): RepositoryUnit | null {
  const u = metadataUnitOf(path, "detect");
  if (!u) return null;
  if (u.kind === "apt") return path === u.rootFile || path === `${u.id}/Release` ? { ...u, rootFile: path } : null;
  return path === u.rootFile ? u : null;
}
