/**
 * The mirror table: every mirror, its probe state, and the policy, as one KV value that the
 * Worker caches per isolate. Parsed and validated here, at the boundary, so the selection code can
 * trust it.
 *
 * Stored as format 3 (`encodeMirrorTable`): lines of JSON, a header, the policy, then the packed
 * mirrors (packed-table.ts, compact) TABLE_CHUNK to a line. An isolate decodes and compares the short lines
 * one by one and parses only those that changed since its last load (storage/table-text.ts): a
 * push that edits one mirror costs the edge one line, and no load makes a string of the whole
 * table, which at 1,000 mirrors is past V8's large-object size and cost more than parsing it.
 * Formats 1 (one object per mirror) and 2 (one JSON document of packed mirrors) are still read.
 */

import { type Mirror, mirrorProblems, mirrorWithDefaults } from "./mirror.js";
import { type PackedMirror, packMirror, packMirrorCompact, unpackMirror } from "./packed-table.js";
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

/** Mirrors per line of a format 3 text: ~10 KB at typical URL lengths. */
export const TABLE_CHUNK = 64;

/** One stored mirror entry read and validated: the mirror, or why it is left out. */
export function readMirrorEntry(raw: unknown, packed: boolean): Mirror | string {
  const m = packed ? unpackMirror(raw) : typeof raw === "object" && raw !== null ? mirrorWithDefaults(raw as Mirror) : null;
  if (!m) return `a mirror entry is not ${packed ? "a packed mirror" : "an object"}`;
  const problems = mirrorProblems(m);
  return problems.length ? `mirror ${String(m.name ?? m.id)}: ${problems.join("; ")}` : m;
}

/** Keeps the first of each id and name, in order; a later duplicate is left out and reported. */
export function withoutDuplicates<T>(items: readonly T[], mirrorOf: (item: T) => Mirror, dropped: string[]): T[] {
  const ids = new Set<number>();
  const names = new Set<string>();
  const kept: T[] = [];
  for (const item of items) {
    const m = mirrorOf(item);
    const problems: string[] = [];
    if (ids.has(m.id)) problems.push(`duplicate id ${m.id}`);
    if (names.has(m.name)) problems.push("duplicate name");
    if (problems.length) {
      dropped.push(`mirror ${m.name}: ${problems.join("; ")}`);
      continue;
    }
    ids.add(m.id);
    names.add(m.name);
    kept.push(item);
  }
  return kept;
}

/** The entries of one line (or of a whole format 1/2 table), each read and validated. */
export function readMirrorEntries(entries: readonly unknown[], packed: boolean): { mirrors: Mirror[]; dropped: string[] } {
  const mirrors: Mirror[] = [];
  const dropped: string[] = [];
  for (const raw of entries) {
    const m = readMirrorEntry(raw, packed);
    if (typeof m === "string") dropped.push(m);
    else mirrors.push(m);
  }
  return { mirrors, dropped };
}

/**
 * A format 1 or 2 table as the edge reads it: a mirror that fails validation is left out (and
 * reported), the others keep serving. Only a table that is not a table at all is refused.
 */
export function readMirrorTable(json: unknown): ReadTable {
  if (typeof json !== "object" || json === null) throw new TableError("mirror table is not an object");
  const t = json as Record<string, unknown>;
  if (t.format !== 1 && t.format !== 2) throw new TableError(`mirror table format ${String(t.format)} is not 1 or 2 (format 3 is a text of lines)`);
  if (!Array.isArray(t.mirrors)) throw new TableError("mirror table has no mirrors array");
  const { mirrors, dropped } = readMirrorEntries(t.mirrors, t.format === 2);
  return {
    table: {
      format: 1,
      generation: String(t.generation ?? ""),
      policy: policyWithDefaults(t.policy as Partial<Policy> | undefined),
      mirrors: withoutDuplicates(mirrors, (m) => m, dropped),
    },
    dropped,
  };
}

/** The header line of a format 3 text; null when `line` is not one (a format 1 or 2 table starts otherwise). */
export function readTableHeader(line: string): { generation: string } | null {
  let h: unknown;
  try {
    h = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof h !== "object" || h === null || (h as { format?: unknown }).format !== 3) return null;
  return { generation: String((h as { generation?: unknown }).generation ?? "") };
}

export function readPolicyLine(line: string | undefined): Policy {
  if (line === undefined) throw new TableError("mirror table (format 3) has no policy line");
  const p: unknown = JSON.parse(line);
  if (typeof p !== "object" || p === null || Array.isArray(p)) throw new TableError("mirror table (format 3): the policy line is not an object");
  return policyWithDefaults(p as Partial<Policy>);
}

/** One line of packed mirrors; a line that is not a JSON array loses its mirrors, with the reason, not the table. */
export function readChunkLine(line: string, lineNo: number): { mirrors: Mirror[]; dropped: string[] } {
  let entries: unknown;
  try {
    entries = JSON.parse(line);
  } catch (err) {
    return { mirrors: [], dropped: [`line ${lineNo} of the mirror table is not JSON (${(err as Error).message}): its mirrors`] };
  }
  if (!Array.isArray(entries)) return { mirrors: [], dropped: [`line ${lineNo} of the mirror table is not an array: its mirrors`] };
  return readMirrorEntries(entries, true);
}

/** What the push stores under the `mirrors` key (format 3): a header, the policy, and the packed mirrors TABLE_CHUNK a line. */
export function encodeMirrorTable(table: MirrorTable, chunk = TABLE_CHUNK): string {
  const lines = [JSON.stringify({ format: 3, generation: table.generation }), JSON.stringify(table.policy)];
  for (let i = 0; i < table.mirrors.length; i += chunk) lines.push(JSON.stringify(table.mirrors.slice(i, i + chunk).map(packMirrorCompact)));
  return lines.join("\n");
}

/** Format 2, one JSON document: what pushes wrote before format 3; kept for the tests and benchmarks of that reader. */
export function packMirrorTable(table: MirrorTable): { format: 2; generation: string; policy: Policy; mirrors: PackedMirror[] } {
  return { format: 2, generation: table.generation, policy: table.policy, mirrors: table.mirrors.map(packMirror) };
}

/** A stored table's text in any format, read whole: what the edge's line-by-line loader must agree with. */
export function readMirrorTableText(text: string): ReadTable {
  const lines = text.split("\n");
  const header = readTableHeader(lines[0]!);
  if (!header) return readMirrorTable(JSON.parse(text));
  const policy = readPolicyLine(lines[1]);
  const dropped: string[] = [];
  const mirrors = lines.slice(2).flatMap((line, i) => {
    const chunk = readChunkLine(line, i + 3);
    dropped.push(...chunk.dropped);
    return chunk.mirrors;
  });
  return { table: { format: 1, generation: header.generation, policy, mirrors: withoutDuplicates(mirrors, (m) => m, dropped) }, dropped };
}

/** The same validation, strict: what the push runs before its first write, so the edge never has to drop one. */
export function parseMirrorTable(json: unknown): MirrorTable {
  const { table, dropped } = readMirrorTable(json);
  if (dropped.length) throw new TableError(`invalid mirror table: ${dropped.join("; ")}`);
  return table;
}
