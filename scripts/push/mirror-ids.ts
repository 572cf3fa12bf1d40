/**
 * An id never changes meaning. A file record's bit i names mirror i, and the edge may combine a
 * record from one push with the mirror table of another (KV is eventually consistent per key, for
 * about a minute, and isolates cache the table for another): an id given to another mirror would
 * send clients to a mirror that was never scanned, or to the wrong one. So a push refuses to give
 * a pushed id to another mirror, and lets a retired id be reused only after the edge has drained it.
 */

import type { Mirror } from "../../src/core/mirror.js";
import { type StateDb, setPushedMeta } from "../state/db.js";

/**
 * How long after the push that removed a mirror its id may mean another: KV propagation (~60 s),
 * the isolate's table cache (60 s) and record cache (15 s), with room to spare.
 */
export const ID_DRAIN_SECONDS = 300;

export class MirrorIdError extends Error {}

type Retired = Record<string, { name: string; at: number }>;

const meta = (db: StateDb, key: string) => (db.prepare("SELECT value FROM pushed_meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;

/** The mirrors of the last published table, id → name. */
export function pushedMirrors(db: StateDb): Map<number, string> {
  const table = meta(db, "table");
  const mirrors = table ? (JSON.parse(table) as { mirrors: Pick<Mirror, "id" | "name">[] }).mirrors : [];
  return new Map(mirrors.map((m) => [m.id, m.name]));
}

const retiredOf = (db: StateDb): Retired => JSON.parse(meta(db, "retired_ids") ?? "{}") as Retired;

/** Refuses, before anything is written, a config that gives a pushed or recently retired id to another mirror. */
export function checkMirrorIds(db: StateDb, mirrors: readonly Pick<Mirror, "id" | "name">[], now: number): void {
  const pushed = pushedMirrors(db);
  const retired = retiredOf(db);
  const problems: string[] = [];
  for (const m of mirrors) {
    const before = pushed.get(m.id);
    if (before !== undefined && before !== m.name) {
      problems.push(
        `mirror id ${m.id} is ${m.name} in the config but was ${before} in the last push: an id never changes meaning (the edge may still hold records where it means ${before}). ` +
          `Give ${m.name} an unused id, or retire ${m.id} first: remove ${before}, push, and add ${m.name} with id ${m.id} at least ${ID_DRAIN_SECONDS} s later`,
      );
      continue;
    }
    const r = before === undefined ? retired[String(m.id)] : undefined;
    if (r && r.name !== m.name && now - r.at < ID_DRAIN_SECONDS) {
      problems.push(
        `mirror id ${m.id} meant ${r.name} until ${now - r.at} s ago: ${m.name} may take it in ${ID_DRAIN_SECONDS - (now - r.at)} s, once the edge can no longer hold records where it means ${r.name}`,
      );
    }
  }
  if (problems.length) throw new MirrorIdError(problems.join("\n"));
}

/** After a push has published its table: the ids it removed start draining now. */
export function recordRetiredIds(db: StateDb, before: Map<number, string>, after: readonly Pick<Mirror, "id" | "name">[], now: number): void {
  const retired = retiredOf(db);
  const kept = new Set(after.map((m) => m.id));
  for (const [id, name] of before) if (!kept.has(id)) retired[String(id)] = { name, at: now };
  for (const id of kept) delete retired[String(id)];
  setPushedMeta(db, "retired_ids", JSON.stringify(retired));
}
