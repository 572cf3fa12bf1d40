/**
 * Finds the line of a key in TOML text, so that a validation error can name file:line. smol-toml
 * gives positions for syntax errors only; for a value that parses but is wrong we look the key up
 * in the text: the table header ([origin], [[mirror]] #n, [policy.stickiness]) and then `key =`.
 */

export function lineOf(text: string, fullPath: (string | number)[]): number | undefined {
  const lines = text.split(/\r?\n/);
  // `prefixes[1]` lives on the `prefixes =` line: drop trailing indexes into a value's array.
  const path = [...fullPath];
  while (path.length > 2 && typeof path[path.length - 1] === "number") path.pop();
  // The table the key lives in, and the key itself.
  const tableParts: string[] = [];
  let arrayIndex: number | undefined;
  let key: string | undefined;
  for (let i = 0; i < path.length; i++) {
    const p = path[i]!;
    if (typeof p === "number") {
      if (arrayIndex === undefined && i === 1) arrayIndex = p;
      else break;
    } else if (i === path.length - 1 && i > 0) key = p;
    else tableParts.push(p);
  }
  if (path.length === 1 && typeof path[0] === "string") return findHeader(lines, path[0], undefined) ?? undefined;
  const table = tableParts.join(".");
  const header = findHeader(lines, table, arrayIndex) ?? (tableParts.length > 1 ? findHeader(lines, tableParts[0]!, arrayIndex) : undefined);
  if (header === undefined) return undefined;
  if (key === undefined) return header;
  const keyRe = new RegExp(`^\\s*("?)${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\1\\s*=`);
  // From the line after the header to the next table header.
  for (let i = header; i < lines.length && !/^\s*\[/.test(lines[i]!); i++) {
    if (keyRe.test(lines[i]!)) return i + 1;
  }
  return header;
}

/** 1-based line of `[table]`, or of the n-th `[[table]]`. */
function findHeader(lines: string[], table: string, index: number | undefined): number | undefined {
  let seen = -1;
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(lines[i]!);
    if (!m || m[2] !== table) continue;
    if (m[1] === "[[") {
      seen++;
      if (seen === index) return i + 1;
    } else if (index === undefined) return i + 1;
  }
  return undefined;
}
