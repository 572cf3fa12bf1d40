/**
 * SQL literals, for statements that go through `wrangler d1 execute --file` (D1 binds at most 100
 * parameters per statement) and for the health writes both probers share.
 */

import { bytesToHex } from "../core/bytes.js";

export function lit(v: string | number | boolean | null | undefined | Uint8Array | object): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (v instanceof Uint8Array) return `X'${bytesToHex(v)}'`;
  if (typeof v === "object") return lit(JSON.stringify(v));
  return `'${v.replace(/'/g, "''")}'`;
}

export function upsertMeta(key: string, value: string): string {
  return `INSERT INTO meta (key, value) VALUES (${lit(key)}, ${lit(value)}) ON CONFLICT(key) DO UPDATE SET value=excluded.value;`;
}
