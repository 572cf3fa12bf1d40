/**
 * An isolate's load of a stored mirror table from its bytes, reusing what its last load parsed,
 * validated and compiled. Format 3 (core/mirror-table.ts) is lines: each line is decoded and
 * compared on its own, and only a line not seen in the last load is parsed; its compiled mirrors are
 * reused while the policy line is the same. Formats 1 and 2 are one document: reused only when the
 * whole text is the same.
 */

import type { Mirror } from "../core/mirror.js";
import { readChunkLine, readMirrorTable, readPolicyLine, readTableHeader, withoutDuplicates } from "../core/mirror-table.js";
import {
  type CompiledMirror,
  type CompiledTable,
  type CompileContext,
  compileContext,
  compileMirror,
  compileTable,
  tableOf,
} from "../selection/compiled-table.js";

interface Chunk {
  mirrors: Mirror[];
  dropped: string[];
  compiled: CompiledMirror[];
}

/** What a load leaves for the next one. */
export interface TextState {
  /** Every line as decoded (a format 1 or 2 text is one). */
  lines: string[];
  ctx: CompileContext | null;
  /** What each line from the third on holds (format 3). */
  chunks: Chunk[];
  table: CompiledTable;
  dropped: string[];
}

export interface TextLoad {
  table: CompiledTable;
  /** Mirrors left out of this load, and why (validation, duplicates, unreadable lines). */
  dropped: string[];
  state: TextState;
}

const decoder = new TextDecoder();
const NEWLINE = 10;

function linesOf(bytes: Uint8Array): string[] {
  const lines: string[] = [];
  let from = 0;
  for (;;) {
    const end = bytes.indexOf(NEWLINE, from);
    lines.push(decoder.decode(bytes.subarray(from, end < 0 ? bytes.length : end)));
    if (end < 0) return lines;
    from = end + 1;
  }
}

const sameLines = (a: string[], b: string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

/** Throws (TableError, SyntaxError) only for a text that is not a table at all; a bad mirror or line is dropped. */
export function loadTableText(bytes: Uint8Array, last: TextState | undefined): TextLoad {
  const lines = linesOf(bytes);
  if (last && sameLines(lines, last.lines)) return { table: last.table, dropped: last.dropped, state: last };
  const header = readTableHeader(lines[0]!);
  if (!header) {
    // Format 1 or 2: one JSON document, possibly pretty-printed over several lines.
    const { table, dropped } = readMirrorTable(JSON.parse(lines.join("\n")));
    const compiled = compileTable(table);
    return { table: compiled, dropped, state: { lines, ctx: null, chunks: [], table: compiled, dropped } };
  }
  const samePolicy = last?.ctx && last.lines[1] === lines[1];
  const ctx = samePolicy ? last.ctx! : compileContext(readPolicyLine(lines[1]));
  const chunks: Chunk[] = [];
  // A line where it was last time is found by one comparison, a moved one among the lines of its length.
  let moved: Map<number, number[]> | undefined;
  const dropped: string[] = [];
  const compiled: CompiledMirror[] = [];
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i]!;
    let seen = last && last.lines[i] === line ? last.chunks[i - 2] : undefined;
    if (!seen && last?.ctx) {
      // By length: hashing long strings costs more than comparing the few of the same length.
      if (!moved) {
        moved = new Map();
        for (let j = 2; j < last.lines.length; j++) {
          const same = moved.get(last.lines[j]!.length);
          if (same) same.push(j);
          else moved.set(last.lines[j]!.length, [j]);
        }
      }
      const j = moved.get(line.length)?.find((k) => last.lines[k] === line);
      // A line that lost mirrors is read again where it is now: its reasons name the line.
      if (j !== undefined && last.chunks[j - 2]!.dropped.length === 0) seen = last.chunks[j - 2];
    }
    let chunk: Chunk;
    if (seen) chunk = samePolicy ? seen : { ...seen, compiled: seen.mirrors.map((m) => compileMirror(m, ctx)) };
    else {
      const read = readChunkLine(line, i + 1);
      chunk = { ...read, compiled: read.mirrors.map((m) => compileMirror(m, ctx)) };
    }
    chunks.push(chunk);
    dropped.push(...chunk.dropped);
    for (const cm of chunk.compiled) compiled.push(cm);
  }
  const table = tableOf(
    header.generation,
    ctx,
    withoutDuplicates(compiled, (cm) => cm.mirror, dropped),
  );
  return { table, dropped, state: { lines, ctx, chunks, table, dropped } };
}
