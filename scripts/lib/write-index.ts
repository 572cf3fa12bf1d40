/**
 * Writes a whole index into D1 and KV bindings (local ones from Miniflare or the test pool),
 * replacing what was there, in push order: D1, then the KV detail packs and file records, then the
 * mirror table.
 * Tests, benchmarks and the demo use it; the incremental push of the CLI writes the same records.
 */

import { drizzle } from "drizzle-orm/d1";
import type { FileRecord } from "../../src/core/file-record.js";
import { type MirrorTable, encodeMirrorTable } from "../../src/core/mirror-table.js";
import { fileRowFrom, mirrorToRow } from "../../src/db/rows.js";
import { filePieces, files as filesT, meta, mirrorHealth, mirrors as mirrorsT, mirrorStatus, probeHistory } from "../../src/db/schema.js";
import { eq } from "drizzle-orm";
import { type DetailRecord, encodeDetailRecord } from "../../src/core/detail-record.js";
import { buildListings, isListed, listingPages } from "../../src/core/dir-listing.js";
import { compilePathGlobs } from "../../src/core/policy.js";
import { encodeFileRecord, fileKey, listingKey, MIRROR_TABLE_KEY, packKey } from "../../src/core/file-record.js";
import { packDirectory } from "../../src/core/detail-pack.js";
import { dirOf } from "../../src/core/path.js";

export interface Stores {
  DB: D1Database;
  INDEX: KVNamespace;
}

export interface SeedOptions {
  /** Write D1 only: the KV-miss case of a push that has not reached KV yet. */
  kv?: boolean;
  /** SHA-512 and piece hashes per path (Metalinks, .sha512): into D1 and the detail records. */
  details?: Record<string, DetailRecord>;
}

export async function writeIndex(stores: Stores, t: MirrorTable, files: Record<string, FileRecord>, opts: SeedOptions = {}): Promise<void> {
  const db = drizzle(stores.DB);
  await db.delete(filePieces);
  await db.delete(filesT);
  await db.delete(mirrorStatus);
  await db.delete(mirrorHealth);
  await db.delete(probeHistory);
  await db.delete(mirrorsT);
  await db.delete(meta);
  // D1 allows 100 bound parameters per statement: one mirror row (25 columns) per insert.
  for (const m of t.mirrors) await db.insert(mirrorsT).values(mirrorToRow(m));
  for (const m of t.mirrors) {
    for (const [scheme, up] of Object.entries(m.up)) {
      await db.insert(mirrorStatus).values({ mirrorId: m.id, scheme: scheme as "http" | "https", up: up! });
    }
  }
  await db.insert(meta).values([
    { key: "policy", value: JSON.stringify(t.policy) },
    { key: "generation", value: t.generation },
  ]);
  for (const [p, r] of Object.entries(files)) {
    const d = opts.details?.[p];
    // A detail naming another version (a test of a push in flight) reaches D1's pieces, never the row's own SHA-512.
    const ownVersion = !d?.version || (d.version.sha256 === r.sha256 && d.version.size === r.size);
    await db.insert(filesT).values(fileRowFrom(p, { ...r, ...(d?.sha512 && ownVersion ? { sha512: d.sha512 } : {}) }));
    if (d?.pieces && d.pieceSize) {
      const row = await db.select({ id: filesT.id }).from(filesT).where(eq(filesT.path, p)).get();
      await db.insert(filePieces).values({ fileId: row!.id, pieceSize: d.pieceSize, hashes: d.pieces, sha256: d.version?.sha256 ?? r.sha256 ?? null });
    }
  }

  const keys = await stores.INDEX.list();
  await Promise.all(keys.keys.map((k) => stores.INDEX.delete(k.name)));
  if (opts.kv === false) return;
  const packs = new Map<string, { name: string; record: Uint8Array }[]>();
  for (const [p, d] of Object.entries(opts.details ?? {})) {
    // Bound to the file's version as the push binds it, unless the caller names another (a test of a mixed state).
    const r = files[p];
    const version = d.version ?? (r?.sha256 ? { size: r.size, sha256: r.sha256 } : undefined);
    if (!version) continue;
    const dir = dirOf(p);
    if (!packs.has(dir)) packs.set(dir, []);
    packs.get(dir)!.push({ name: p.slice(dir.length), record: encodeDetailRecord({ ...d, version }) });
  }
  for (const [dir, entries] of packs) for (const [shard, value] of packDirectory(entries).entries()) await stores.INDEX.put(await packKey(dir, shard), value);
  for (const [p, r] of Object.entries(files)) await stores.INDEX.put(await fileKey(p), encodeFileRecord(r));
  const staged = compilePathGlobs(t.policy.release.staged);
  const listed = Object.entries(files).filter(([path, r]) => isListed(path, r.mirrors.length, t.policy.release.minMirrors, staged));
  for (const [dir, l] of buildListings(listed.map(([path, r]) => ({ path, size: r.size, mtime: r.mtime })))) {
    for (const [i, page] of listingPages(l).entries()) await stores.INDEX.put(await listingKey(dir, i + 1), JSON.stringify(page));
  }
  await stores.INDEX.put(MIRROR_TABLE_KEY, encodeMirrorTable(t));
}
