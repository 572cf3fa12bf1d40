/**
 * The mirror table: every mirror, its probe state, and the policy, as one KV value that the
 * Worker caches per isolate (stored packed, see packed-table.ts). Parsed and validated here, at the boundary, so the selection code can
 * trust it.
 */

import { type Mirror, mirrorProblems, mirrorWithDefaults } from "./mirror.js";
import { type PackedMirror, packMirror, unpackMirror } from "./packed-table.js";
import { type Policy, policyWithDefaults } from "./policy.js";

export interface MirrorTable {
  format: 1;
  /** Changes with every push that touches mirrors or policy; shown by health and explain. */
  generation: string;
  policy: Policy;
  mirrors: Mirror[];
}

export class TableError extends Error {}

export interface ReadTable {
  table: MirrorTable;
  /** One line per mirror left out, and why. */
  dropped: string[];
}

/**
 * The table as the edge reads it: a mirror that fails validation is left out (and reported), the
 * others keep serving. Only a table that is not a table at all is refused.
 */
export function readMirrorTable(json: unknown): ReadTable {
  if (typeof json !== "object" || json === null) throw new TableError("mirror table is not an object");
  const t = json as Record<string, unknown>;
  if (t.format !== 1 && t.format !== 2) throw new TableError(`mirror table format ${String(t.format)} is neither 1 nor 2`);
  if (!Array.isArray(t.mirrors)) throw new TableError("mirror table has no mirrors array");
  const dropped: string[] = [];
  const seenIds = new Set<number>();
  const seenNames = new Set<string>();
  const mirrors: Mirror[] = [];
  for (const raw of t.mirrors as unknown[]) {
    const m = t.format === 2 ? unpackMirror(raw) : typeof raw === "object" && raw !== null ? mirrorWithDefaults(raw as Mirror) : null;
    if (!m) {
      dropped.push(`a mirror entry is not ${t.format === 2 ? "a packed mirror" : "an object"}`);
      continue;
    }
    const problems = mirrorProblems(m);
    if (seenIds.has(m.id)) problems.push(`duplicate id ${m.id}`);
    if (seenNames.has(m.name)) problems.push("duplicate name");
    if (problems.length) {
      dropped.push(`mirror ${String(m.name ?? m.id)}: ${problems.join("; ")}`);
      continue;
    }
    seenIds.add(m.id);
    seenNames.add(m.name);
    mirrors.push(m);
  }
  return {
    table: { format: 1, generation: String(t.generation ?? ""), policy: policyWithDefaults(t.policy as Partial<Policy> | undefined), mirrors },
    dropped,
  };
}

/** What the push stores under the `mirrors` key: format 2, one packed array per mirror. */
export function packMirrorTable(table: MirrorTable): { format: 2; generation: string; policy: Policy; mirrors: PackedMirror[] } {
  return { format: 2, generation: table.generation, policy: table.policy, mirrors: table.mirrors.map(packMirror) };
}

/** The same validation, strict: what the push runs before its first write, so the edge never has to drop one. */
export function parseMirrorTable(json: unknown): MirrorTable {
  const { table, dropped } = readMirrorTable(json);
  if (dropped.length) throw new TableError(`invalid mirror table: ${dropped.join("; ")}`);
  return table;
}
