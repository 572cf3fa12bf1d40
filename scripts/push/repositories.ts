/**
 * Repositories as a unit, at push time: every metadata file of a declared repository is offered
 * only by the mirrors that hold the origin's current version of *all* its metadata files (the
 * repository's consistent set). A mirror mid-sync, with a new root file and old indexes or the
 * reverse, is in no such set until a scan sees it whole again.
 */

import type { RepoMeta } from "../../src/core/file-record.js";
import { type RepositoryDecl, type RepositoryUnit, repositoryMetadataOf } from "../../src/core/repository.js";
import type { IndexedFile } from "./index-build.js";

export interface RepositorySummary {
  unit: RepositoryUnit;
  metadata: RepositoryDecl["metadata"];
  /** How many metadata files the origin has for it. */
  files: number;
  /** Mirrors holding every one of them at the origin's version, ascending. */
  consistent: number[];
  /** Mirrors holding some of them but not all: mid-sync, or partial. */
  partial: number[];
}

/** Narrows each metadata file's mirror set to its repository's consistent set and marks it; returns one summary per repository. */
export function applyRepositories(files: IndexedFile[], repos: readonly RepositoryDecl[]): RepositorySummary[] {
  if (repos.length === 0) return [];
  const units = new Map<string, { unit: RepositoryUnit; decl: RepositoryDecl; members: IndexedFile[] }>();
  for (const f of files) {
    const m = repositoryMetadataOf(f.path, repos);
    if (!m) continue;
    let u = units.get(m.unit.id);
    if (!u) units.set(m.unit.id, (u = { unit: m.unit, decl: m.decl, members: [] }));
    u.members.push(f);
  }
  const summaries: RepositorySummary[] = [];
  for (const { unit, decl, members } of units.values()) {
    let consistent = new Set(members[0]!.record.mirrors);
    const any = new Set<number>();
    for (const f of members) {
      const held = new Set(f.record.mirrors);
      for (const id of held) any.add(id);
      consistent = new Set([...consistent].filter((id) => held.has(id)));
    }
    const ids = [...consistent].sort((a, b) => a - b);
    const mode: RepoMeta = decl.metadata === "origin" ? "origin" : "consistent";
    for (const f of members) {
      f.claimed = f.record.mirrors;
      f.record = { ...f.record, mirrors: ids, repoMeta: mode };
    }
    summaries.push({
      unit,
      metadata: decl.metadata,
      files: members.length,
      consistent: ids,
      partial: [...any].filter((id) => !consistent.has(id)).sort((a, b) => a - b),
    });
  }
  return summaries.sort((a, b) => (a.unit.id < b.unit.id ? -1 : 1));
}
