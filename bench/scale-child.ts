/**
 * Child of the scale benchmark (bench/scale.ts), one step per process so each peak RSS is its own:
 * `seed STATE FILES MIRRORS` builds the synthetic state; `first STATE` runs the first push as
 * `push --dry-run` does (planned, every bulk file written, no store touched) and records it as
 * landed; `nochange STATE` rescans every mirror (finding each as it was) and plans the next push
 * the same way; `change STATE` changes 1 % of the files (the full mirrors sync them, the partial
 * ones not yet; every mirror rescanned) and plans that push. Prints one
 * JSON line. Nothing is contacted: the mirrors' addresses are never fetched.
 */

import { rmSync } from "node:fs";
import { parseConfig } from "../scripts/config/load.js";
import { push } from "../scripts/push/push.js";
import { openState, type StateDb, transaction } from "../scripts/state/db.js";

export const DIRS = 1_000;
const COUNTRIES = ["DE", "FR", "US", "JP", "BR", "GB", "SE", "CA", "IN", "AU"];

/**
 * A realistic spread: 30 % of the mirrors carry everything, 40 % half the directories, 30 % a
 * tenth of them (what a volunteer with a small disk mirrors). About 53 % of (file, mirror) pairs held.
 */
export function coveredDirs(mirrorId: number, mirrors: number): (dir: number) => boolean {
  const share = mirrorId / mirrors;
  if (share <= 0.3) return () => true;
  if (share <= 0.7) return (d) => d % 2 === mirrorId % 2;
  return (d) => d % 10 === mirrorId % 10;
}

function configFor(mirrors: number) {
  let toml = `[origin]\npath = "/unused"\nurl = "https://o.example/"\n`;
  for (let id = 1; id <= mirrors; id++)
    toml += `[[mirror]]\nid = ${id}\nname = "m${id}"\nhttp = "http://m${id}.example/"\ncountry = "${COUNTRIES[id % COUNTRIES.length]}"\n`;
  return parseConfig(toml, "/bench/mirrorhop.toml");
}

const now = Math.floor(Date.now() / 1000);

function seed(db: StateDb, files: number, mirrors: number): void {
  transaction(db, () => {
    db.exec("CREATE TABLE bench_dirs (path TEXT PRIMARY KEY, dir INTEGER NOT NULL) WITHOUT ROWID");
    db.exec("CREATE TABLE bench_spread (mirror_id INTEGER NOT NULL, dir INTEGER NOT NULL)");
    db.exec("CREATE TABLE bench_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
    db.prepare("INSERT INTO bench_meta VALUES ('mirrors', ?)").run(mirrors);
    const o = db.prepare(
      "INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, md5, sha1, sha256, sha512, changed_at) VALUES (?, ?, 1000, '0', '0', ?, ?, ?, ?, ?)",
    );
    const d = db.prepare("INSERT INTO bench_dirs VALUES (?, ?)");
    for (let i = 0; i < files; i++) {
      const dir = i % DIRS;
      const path = `repo/d${dir}/pkg-${i}.rpm`;
      const h = i.toString(16);
      o.run(path, 100_000 + i, h.padStart(32, "0"), h.padStart(40, "0"), h.padStart(64, "0"), h.padStart(128, "0"), now - 3600);
      d.run(path, dir);
    }
    const s = db.prepare("INSERT INTO bench_spread VALUES (?, ?)");
    for (let id = 1; id <= mirrors; id++) {
      const covers = coveredDirs(id, mirrors);
      for (let dir = 0; dir < DIRS; dir++) if (covers(dir)) s.run(id, dir);
    }
    // Every mirror lists what it covers, as its last scan saw it.
    db.prepare(
      `INSERT INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at)
       SELECT s.mirror_id, o.path, o.size, o.mtime, 1, ? FROM bench_spread s JOIN bench_dirs b ON b.dir = s.dir JOIN origin_files o ON o.path = b.path
       ORDER BY s.mirror_id, o.path`,
    ).run(now - 600);
    const scans = db.prepare(
      "INSERT INTO mirror_scans (mirror_id, subtree, protocol, url, started_at, finished_at, ok, entries, error) VALUES (?, '', 'rsync', ?, ?, ?, 1, 0, NULL)",
    );
    for (let id = 1; id <= mirrors; id++) scans.run(id, `rsync://m${id}.example/pub/`, now - 600, now - 590);
  });
}

/** The hourly rescan of every mirror, as the scanner records it; a rescan that finds a mirror as it was writes no row. */
function rescan(db: StateDb, mirrors: number, at: number): void {
  const scans = db.prepare(
    "INSERT INTO mirror_scans (mirror_id, subtree, protocol, url, started_at, finished_at, ok, entries, error) VALUES (?, '', 'rsync', ?, ?, ?, 1, 0, NULL)",
  );
  for (let id = 1; id <= mirrors; id++) scans.run(id, `rsync://m${id}.example/pub/`, at, at + 10);
}

/** 1 % of the files get new content; the full mirrors have synced it, the partial ones still list the old; every mirror was rescanned. */
function change(db: StateDb, mirrors: number): void {
  transaction(db, () => {
    db.prepare(
      "UPDATE origin_files SET size = size + 1, sha256 = 'c' || substr(sha256, 2), sha512 = 'c' || substr(sha512, 2), md5 = 'c' || substr(md5, 2), sha1 = 'c' || substr(sha1, 2), changed_at = ? WHERE rowid % 100 = 0",
    ).run(now - 300);
    db.prepare(
      "UPDATE mirror_files SET size = (SELECT o.size FROM origin_files o WHERE o.path = mirror_files.path), seen_at = ? WHERE mirror_id <= ? AND path IN (SELECT path FROM origin_files WHERE rowid % 100 = 0)",
    ).run(now - 60, Math.floor(mirrors * 0.3));
    rescan(db, mirrors, now - 60);
  });
}

async function dryPush(db: StateDb, mirrors: number) {
  const config = configFor(mirrors);
  const t = process.hrtime.bigint();
  const r = await push(db, config, { kind: "local" }, { dryRun: true });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.planDir) rmSync(r.planDir, { recursive: true, force: true });
  return { seconds, r };
}

const [mode, file, files, mirrorsArg] = process.argv.slice(2) as [string, string, string?, string?];
const db = openState(file);
const rss = () => Math.round(process.resourceUsage().maxRSS / 1024);
if (mode === "seed") {
  const t = process.hrtime.bigint();
  seed(db, Number(files), Number(mirrorsArg));
  const pairs = (db.prepare("SELECT COUNT(*) AS n FROM mirror_files").get() as { n: number }).n;
  console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t) / 1e9, rssMiB: rss(), pairs }));
} else {
  const mirrors = (db.prepare("SELECT value FROM bench_meta WHERE key = 'mirrors'").get() as { value: number }).value;
  if (mode === "change") change(db, mirrors);
  // A push that changes nothing still follows a rescan of every mirror (that found each as it was).
  if (mode === "nochange") transaction(db, () => rescan(db, mirrors, now - 300));
  const { seconds, r } = await dryPush(db, mirrors);
  // Recorded as landed, so the next step plans against it as it would after a real push.
  r.markLanded?.();
  console.log(
    JSON.stringify({ seconds, rssMiB: rss(), kvWrites: r.cost.kvWrites, kvRecords: r.kvPut, kvDetails: r.kvDetailPut, d1Statements: r.cost.d1Statements }),
  );
}
db.close();
