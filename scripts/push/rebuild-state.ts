/**
 * Rebuilds what the local state remembers of the last push from D1, the source of truth, for a
 * CI runner or host that lost its state. Scan results cannot be rebuilt (D1 keeps only which
 * mirrors hold which file), so the next step is a rescan; the push after it then writes only what
 * really differs from the edge.
 */

import { createHash } from "node:crypto";
import { decodeMirrorSet, fileRecordOf } from "../../src/core/file-record.js";
import type { Mirror } from "../../src/core/mirror.js";
import { policyWithDefaults } from "../../src/core/policy.js";
import { mirrorFromRow } from "../../src/db/rows.js";
import type { mirrors as mirrorsTable } from "../../src/db/schema.js";
import { type StateDb, transaction } from "../state/db.js";
import type { IndexedFile, StoredFileColumns } from "./index-build.js";
import { fileDigest } from "./file-digest.js";
import { withStore } from "../store/store.js";
import type { Target } from "../store/target.js";

/** D1 hands blobs back as hex here (the query uses hex()). */
interface FileRow extends StoredFileColumns {
  mirrors: string;
  repo_meta: "consistent" | "origin" | null;
}

type RawMirrorRow = Record<string, unknown>;

export async function rebuildPushState(db: StateDb, target: Target): Promise<{ files: number; mirrors: number }> {
  const { files, mirrorRows, metaRows } = await withStore(target, async (store) => {
    await store.migrate();
    return {
      files: await store.query<FileRow>(
        "SELECT f.path, f.size, f.mtime, f.changed_at, f.md5, f.sha1, f.sha256, f.sha512, hex(f.mirrors) AS mirrors, f.repo_meta, p.piece_size FROM files f LEFT JOIN file_pieces p ON p.file_id = f.id",
      ),
      mirrorRows: await store.query<RawMirrorRow>("SELECT * FROM mirrors ORDER BY id"),
      metaRows: await store.query<{ key: string; value: string }>("SELECT key, value FROM meta"),
    };
  });
  const meta = new Map(metaRows.map((r) => [r.key, r.value]));
  const mirrors: Mirror[] = mirrorRows.map((r) => mirrorFromRow(camel(r)));
  const table = { format: 1 as const, policy: policyWithDefaults(JSON.parse(meta.get("policy") ?? "{}")), mirrors };
  transaction(db, () => {
    // Listings and detail packs are not read back: the next push rewrites them once (a value or
    // two per directory). Whether a file's own detail key from before packs is still in KV is not
    // known either: each is deleted when its file changes or goes (a delete of a missing key is harmless).
    db.exec("DELETE FROM pushed_files; DELETE FROM pushed_meta; DELETE FROM pushed_dirs; DELETE FROM pushed_packs;");
    const st = db.prepare("INSERT INTO pushed_files (path, digest, legacy_detail) VALUES (?, ?, 1)");
    for (const f of files) {
      const indexed: IndexedFile = {
        path: f.path,
        record: fileRecordOf({ ...f, changed: f.changed_at, mirrors: decodeMirrorSet(Buffer.from(f.mirrors, "hex")), repoMeta: f.repo_meta }),
        sha512: f.sha512,
        pieceSize: f.piece_size,
      };
      st.run(f.path, fileDigest(indexed));
    }
    const meta2 = db.prepare("INSERT INTO pushed_meta (key, value) VALUES (?, ?)");
    meta2.run("table", JSON.stringify(table));
    // The config's table may serialise in another key order: then the next push rewrites it once, harmlessly.
    meta2.run("table_digest", createHash("sha1").update(JSON.stringify(table)).digest("hex"));
  });
  return { files: files.length, mirrors: mirrors.length };
}

/** D1 returns snake_case columns and JSON text; the row type drizzle infers is camelCase and parsed. */
function camel(r: RawMirrorRow): typeof mirrorsTable.$inferSelect {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    const key = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[key] = ["asns", "prefixes", "extraCountries", "allowCountries", "denyCountries"].includes(key) && typeof v === "string" ? JSON.parse(v) : v;
  }
  for (const b of ["countryOnly", "regionOnly", "asnOnly", "prefixOnly", "ipv4", "ipv6", "enabled"]) out[b] = Boolean(out[b]);
  return out as typeof mirrorsTable.$inferSelect;
}
