/** Writes a fixture index into the test's real local D1 and KV, in push order: D1, then KV files, then the table. */

import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import type { FileRecord } from "../../src/core/file-record.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import { fileRowFrom, mirrorToRow } from "../../src/db/rows.js";
import { files as filesT, meta, mirrors as mirrorsT, mirrorStatus } from "../../src/db/schema.js";
import { kvEntriesFor, MIRROR_TABLE_KEY } from "../helpers/fixtures.js";

export interface SeedOptions {
  /** Write D1 only: the KV-miss case of a push that has not reached KV yet. */
  kv?: boolean;
}

export async function seed(t: MirrorTable, files: Record<string, FileRecord>, opts: SeedOptions = {}): Promise<void> {
  const db = drizzle(env.DB);
  await db.delete(filesT);
  await db.delete(mirrorStatus);
  await db.delete(mirrorsT);
  await db.delete(meta);
  // D1 allows 100 bound parameters per statement: one mirror row (25 columns) per insert.
  for (const m of t.mirrors) await db.insert(mirrorsT).values(mirrorToRow(m));
  const statuses = t.mirrors.flatMap((m) =>
    Object.entries(m.up).map(([scheme, up]) => ({ mirrorId: m.id, scheme: scheme as "http" | "https", up: up! })),
  );
  for (const st of statuses) await db.insert(mirrorStatus).values(st);
  await db.insert(meta).values([
    { key: "policy", value: JSON.stringify(t.policy) },
    { key: "generation", value: t.generation },
  ]);
  for (const [p, r] of Object.entries(files)) await db.insert(filesT).values(fileRowFrom(p, r));

  const keys = await env.INDEX.list();
  await Promise.all(keys.keys.map((k) => env.INDEX.delete(k.name)));
  if (opts.kv === false) return;
  for (const [k, v] of await kvEntriesFor(files)) await env.INDEX.put(k, v);
  await env.INDEX.put(MIRROR_TABLE_KEY, JSON.stringify(t));
}
