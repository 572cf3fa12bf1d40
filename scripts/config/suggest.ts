/** "Did you mean": the keys a table of the config takes, and the one closest to a misspelling. */

import type { z } from "zod";

type Def = { type?: string; innerType?: unknown; in?: unknown; shape?: Record<string, unknown>; element?: unknown };
const defOf = (s: unknown): Def | undefined => (s as { _zod?: { def?: Def } } | undefined)?._zod?.def;

/** Through defaults, optionals and pipes, to the schema that says what the value is. */
function unwrap(s: unknown): unknown {
  for (let i = 0; i < 16; i++) {
    const d = defOf(s);
    if (d && (d.type === "default" || d.type === "optional" || d.type === "nullable" || d.type === "prefault")) s = d.innerType;
    else if (d?.type === "pipe") s = d.in;
    else return s;
  }
  return s;
}

/** The keys the object at `path` takes; empty where the path leads to no object. */
export function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let s: unknown = schema;
  for (const part of path) {
    const d = defOf(unwrap(s));
    s = typeof part === "number" ? (d?.type === "array" ? d.element : undefined) : d?.type === "object" ? d.shape?.[part] : undefined;
  }
  const d = defOf(unwrap(s));
  return d?.type === "object" && d.shape ? Object.keys(d.shape) : [];
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The known key a misspelled one most likely meant: within 2 edits (1 for short keys), or the same words in another order or case. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (k: string) => k.toLowerCase().replace(/[-_]/g, "");
  let best: { k: string; d: number } | undefined;
  for (const k of known) {
    const d = norm(k) === norm(key) ? 0 : distance(key.toLowerCase(), k.toLowerCase());
    if (d <= (key.length <= 4 ? 1 : 2) && (!best || d < best.d)) best = { k, d };
  }
  return best?.k;
}
