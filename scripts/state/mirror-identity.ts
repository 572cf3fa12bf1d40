/**
 * Scan results belong to a mirror, not to a number. The state keys them by id, so it remembers
 * which mirror each id's rows were scanned from (its name and a digest of its URLs), and drops
 * the rows when that changes: a new mirror given a retired id starts with nothing, even when its
 * first scan fails; a mirror that moved starts again from its next scan; a mirror that left the
 * config leaves nothing behind.
 */

import { createHash } from "node:crypto";
import type { MirrorConfig } from "../config/schema.js";
import { type StateDb, transaction } from "./db.js";

const urlsDigest = (m: MirrorConfig) =>
  createHash("sha256")
    .update(JSON.stringify([m.http ?? null, m.https ?? null, m.ftp ?? null, m.rsync ?? null]))
    .digest("hex");

/** Brings the state's per-mirror rows in line with the configured mirrors; returns what it dropped and why. */
export function reconcileMirrorState(db: StateDb, mirrors: readonly MirrorConfig[]): string[] {
  const notes: string[] = [];
  const known = new Map((db.prepare("SELECT id, name, urls FROM mirror_identity").all() as { id: number; name: string; urls: string }[]).map((r) => [r.id, r]));
  const configured = new Map(mirrors.map((m) => [m.id, m]));
  transaction(db, () => {
    const drop = (id: number) => {
      db.prepare("DELETE FROM mirror_files WHERE mirror_id = ?").run(id);
      db.prepare("DELETE FROM mirror_scans WHERE mirror_id = ?").run(id);
    };
    for (const [id, row] of known) {
      const m = configured.get(id);
      if (!m) {
        drop(id);
        db.prepare("DELETE FROM mirror_identity WHERE id = ?").run(id);
        notes.push(`mirror ${row.name} (id ${id}) left the config: its scan results are dropped`);
      } else if (m.name !== row.name) {
        drop(id);
        notes.push(`id ${id} now names ${m.name} (was ${row.name}): the scan results of ${row.name} are dropped`);
      } else if (urlsDigest(m) !== row.urls) {
        drop(id);
        notes.push(`mirror ${m.name} (id ${id}) has other URLs: its claims are dropped until a scan sees it there`);
      }
    }
    // Rows without an identity predate it (an upgraded state): they are adopted, not dropped.
    const st = db.prepare(
      "INSERT INTO mirror_identity (id, name, urls) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, urls = excluded.urls",
    );
    for (const m of mirrors) st.run(m.id, m.name, urlsDigest(m));
    // The ids that have rows, one seek each (NOT IN over the table would read every row).
    const ids = new Set(mirrors.map((m) => m.id));
    const nextId = db.prepare("SELECT mirror_id FROM mirror_files WHERE mirror_id > ? ORDER BY mirror_id LIMIT 1");
    for (let r = nextId.get(-1) as { mirror_id: number } | undefined; r; r = nextId.get(r.mirror_id) as typeof r) {
      if (!ids.has(r.mirror_id)) db.prepare("DELETE FROM mirror_files WHERE mirror_id = ?").run(r.mirror_id);
    }
  });
  return notes;
}
