/**
 * `mirrorhop scan origin`: what the origin holds, with every hash, into the local state.
 * A file whose size, mtime and inode are unchanged since the last scan keeps its hashes
 * (never hashed twice). A file whose content changed gets a new changed_at: from then on, a mirror
 * only holds it once a scan after that moment sees the new version.
 */

import path from "node:path";
import { progress } from "../cli/progress.js";
import { type StateDb, transaction } from "../state/db.js";
import { HashPool, pieceSizeFor } from "./hash-pool.js";
import { type ReadDir, walkTree } from "./walk.js";

export interface OriginScanResult {
  files: number;
  bytes: number;
  hashed: number;
  hashedBytes: number;
  cached: number;
  changed: number;
  removed: number;
  aliases: number;
  skipped: { path: string; reason: string }[];
  /** Files whose content changed under the same name: every mirror's claim on them is void until rescanned. */
  rewritten: string[];
}

interface CachedRow {
  path: string;
  size: number;
  mtime_ns: string;
  ino: string;
  sha256: string | null;
  changed_at: number;
}

export interface OriginScanOptions {
  subtree?: string;
  now?: number;
  threads?: number;
  /** Test seams: the walk's directory read, and a hook between walking and hashing (a live tree changes there). */
  readDir?: ReadDir;
  beforeHash?: () => void | Promise<void>;
}

export async function scanOrigin(db: StateDb, root: string, opts: OriginScanOptions = {}): Promise<OriginScanResult> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const subtree = (opts.subtree ?? "").replace(/^\/+|\/+$/g, "");
  const walked = await walkTree(root, subtree, opts.readDir);
  await opts.beforeHash?.();
  const cached = new Map<string, CachedRow>();
  for (const r of db.prepare("SELECT path, size, mtime_ns, ino, sha256, changed_at FROM origin_files").all() as unknown as CachedRow[]) cached.set(r.path, r);

  const real = walked.files.filter((f) => !f.aliasOf);
  const toHash = real.filter((f) => {
    const c = cached.get(f.path);
    return !(c && c.size === f.size && c.mtime_ns === f.mtimeNs && c.ino === f.ino && c.sha256);
  });
  const totalBytes = toHash.reduce((a, f) => a + f.size, 0);
  const bar = progress("hashing", totalBytes, "bytes");
  const pool = new HashPool(opts.threads);
  let done = 0;
  const hashes = new Map<string, Awaited<ReturnType<HashPool["hash"]>> & { pieceSize: number }>();
  // Files that vanished or could not be read while hashed: reported, and their rows left as they were.
  const unhashed = new Set<string>();
  const skipped = [...walked.skipped];
  try {
    await Promise.all(
      toHash.map(async (f) => {
        const pieceSize = pieceSizeFor(f.size);
        try {
          const h = await pool.hash(path.join(root, f.path), pieceSize);
          hashes.set(f.path, { ...h, pieceSize });
        } catch (err) {
          unhashed.add(f.path);
          skipped.push({ path: f.path, reason: `could not be hashed (vanished or unreadable; what was known of it stands): ${(err as Error).message}` });
        }
        done += f.size;
        bar.update(done, f.path.length > 40 ? "…" + f.path.slice(-39) : f.path);
      }),
    );
  } finally {
    await pool.close();
  }

  let changed = 0;
  const rewritten: string[] = [];
  const seen = new Set(walked.files.map((f) => f.path));
  // Below an unreadable directory nothing is known to be gone: its rows (and their change times) stay.
  const shadowed = (p: string) => walked.unreadable.some((d) => d === "" || p.startsWith(d + "/"));
  const removedPaths = [...cached.keys()].filter((p) => (subtree === "" || p === subtree || p.startsWith(subtree + "/")) && !seen.has(p) && !shadowed(p));
  transaction(db, () => {
    const upsert = db.prepare(`INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, md5, sha1, sha256, sha512, piece_size, pieces, changed_at, alias_of)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime=excluded.mtime, mtime_ns=excluded.mtime_ns, ino=excluded.ino,
        md5=excluded.md5, sha1=excluded.sha1, sha256=excluded.sha256, sha512=excluded.sha512, piece_size=excluded.piece_size,
        pieces=excluded.pieces, changed_at=excluded.changed_at, alias_of=excluded.alias_of`);
    const touch = db.prepare("UPDATE origin_files SET mtime_ns = ?, ino = ?, alias_of = NULL WHERE path = ?");
    for (const f of real) {
      if (unhashed.has(f.path)) continue;
      const h = hashes.get(f.path);
      if (!h) {
        touch.run(f.mtimeNs, f.ino, f.path);
        continue;
      }
      const prev = cached.get(f.path);
      // The same bytes under a new mtime (a touch, a re-sync) keep their birth: claims stay valid.
      const sameContent = prev && prev.sha256 === h.sha256 && prev.size === f.size;
      if (!sameContent) changed++;
      if (prev && !sameContent) rewritten.push(f.path);
      upsert.run(
        f.path,
        f.size,
        Math.floor(f.mtimeMs / 1000),
        f.mtimeNs,
        f.ino,
        h.md5,
        h.sha1,
        h.sha256,
        h.sha512,
        h.pieceSize,
        h.pieces,
        sameContent ? prev.changed_at : now,
        null,
      );
    }
    // Aliases take their target's content as it stands after this scan.
    const target = db.prepare("SELECT * FROM origin_files WHERE path = ?");
    for (const f of walked.files.filter((x) => x.aliasOf)) {
      const t = target.get(f.aliasOf!) as Record<string, unknown> | undefined;
      if (!t) continue;
      const prev = cached.get(f.path);
      const sameContent = prev && prev.sha256 === t.sha256 && prev.size === t.size;
      if (!sameContent) changed++;
      upsert.run(
        f.path,
        t.size as number,
        t.mtime as number,
        f.mtimeNs,
        f.ino,
        t.md5 as string,
        t.sha1 as string,
        t.sha256 as string,
        t.sha512 as string,
        t.piece_size as number,
        t.pieces as Uint8Array,
        sameContent ? prev.changed_at : now,
        f.aliasOf!,
      );
    }
    const del = db.prepare("DELETE FROM origin_files WHERE path = ?");
    for (const p of removedPaths) del.run(p);
  });
  const result: OriginScanResult = {
    files: walked.files.length,
    bytes: walked.files.reduce((a, f) => a + f.size, 0),
    hashed: toHash.length,
    hashedBytes: totalBytes,
    cached: real.length - toHash.length,
    changed,
    removed: removedPaths.length,
    aliases: walked.files.length - real.length,
    skipped,
    rewritten: rewritten.sort(),
  };
  bar.stop(
    `${result.files} files, ${result.hashed} hashed, ${result.cached} unchanged, ${result.changed} changed, ${result.removed} removed, ${result.aliases} aliases, ${result.skipped.length} skipped`,
  );
  return result;
}
