/**
 * The mirror table: every mirror, its probe state, and the policy, as one KV value that the
 * Worker caches per isolate. Parsed and validated here, at the boundary, so the selection code can
 * trust it.
 */

import { type Mirror, mirrorProblems, mirrorWithDefaults } from "./mirror.js";
import { type Policy, policyWithDefaults } from "./policy.js";

export interface MirrorTable {
  format: 1;
  /** Changes with every push that touches mirrors or policy; shown by health and explain. */
  generation: string;
  policy: Policy;
  mirrors: Mirror[];
}

export class TableError extends Error {}

export function parseMirrorTable(json: unknown): MirrorTable {
  if (typeof json !== "object" || json === null) throw new TableError("mirror table is not an object");
  const t = json as Record<string, unknown>;
  if (t.format !== 1) throw new TableError(`mirror table format ${String(t.format)} is not 1`);
  if (!Array.isArray(t.mirrors)) throw new TableError("mirror table has no mirrors array");
  const problems: string[] = [];
  const seenIds = new Set<number>();
  const seenNames = new Set<string>();
  const mirrors = t.mirrors.map((raw: Mirror) => {
    const m = mirrorWithDefaults(raw);
    for (const p of mirrorProblems(m)) problems.push(`mirror ${m.name ?? m.id}: ${p}`);
    if (seenIds.has(m.id)) problems.push(`mirror ${m.name}: duplicate id ${m.id}`);
    if (seenNames.has(m.name)) problems.push(`mirror ${m.name}: duplicate name`);
    seenIds.add(m.id);
    seenNames.add(m.name);
    return m;
  });
  if (problems.length) throw new TableError(`invalid mirror table: ${problems.join("; ")}`);
  return {
    format: 1,
    generation: String(t.generation ?? ""),
    policy: policyWithDefaults(t.policy as Partial<Policy> | undefined),
    mirrors,
  };
}
