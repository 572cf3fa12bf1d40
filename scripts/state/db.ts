/**
 * The scanner's local state, in an embedded SQLite database (node:sqlite): what the origin holds
 * (with hashes, so an unchanged file is never hashed twice), what each mirror was seen holding
 * and when, each scan's outcome, and what was last pushed (so a push writes only the difference).
 * Everything here can be rebuilt: the origin by rescanning, mirrors by rescanning, the push state
 * from D1 (`mirrorhop push --rebuild-state`).
 */

import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS origin_files (
  path TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,          -- seconds
  mtime_ns TEXT NOT NULL,          -- the stat identity the hash cache keys on
  ino TEXT NOT NULL,
  md5 TEXT, sha1 TEXT, sha256 TEXT, sha512 TEXT,
  piece_size INTEGER, pieces BLOB,
  changed_at INTEGER NOT NULL,     -- when this content was first seen (claims older than this are void)
  alias_of TEXT                    -- a symlink inside the tree: the path it points to
);
CREATE TABLE IF NOT EXISTS mirror_files (
  mirror_id INTEGER NOT NULL,
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime INTEGER,                   -- seconds, when the listing gives one
  mtime_res INTEGER NOT NULL,      -- the listing's time resolution in seconds
  seen_at INTEGER NOT NULL,        -- start of the scan that first saw this size and mtime (index-build.ts: a claim's age is its latest scan's)
  PRIMARY KEY (mirror_id, path)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mirror_scans (
  mirror_id INTEGER NOT NULL,
  subtree TEXT NOT NULL,
  protocol TEXT,
  url TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  ok INTEGER NOT NULL,
  entries INTEGER,
  error TEXT
);
CREATE TABLE IF NOT EXISTS mirror_identity (
  id INTEGER PRIMARY KEY,          -- the mirror id that mirror_files and mirror_scans rows carry
  name TEXT NOT NULL,              -- the mirror those rows were scanned from
  urls TEXT NOT NULL               -- SHA-256 of its URLs: rows scanned elsewhere are not its claims
);
CREATE TABLE IF NOT EXISTS pushed_files (
  path TEXT PRIMARY KEY,
  digest TEXT NOT NULL,            -- of the KV record and the D1 row as pushed
  legacy_detail INTEGER NOT NULL DEFAULT 0  -- 1: pushed before detail packs, its own detail key may still be in KV
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pushed_packs (
  id TEXT PRIMARY KEY,             -- directory and shard (push/detail-packs.ts packId)
  digest TEXT NOT NULL             -- of what its records say, as pushed
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pushed_dirs (
  dir TEXT PRIMARY KEY,
  digest TEXT NOT NULL             -- of the directory listing as pushed
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS mirror_scans_latest ON mirror_scans (mirror_id, subtree, ok, started_at);
CREATE INDEX IF NOT EXISTS origin_files_changed ON origin_files (changed_at);
-- A file's directory as dirOf (src/core/path.ts) gives it, "a/b/" or "": the files of one directory without its subtree.
CREATE INDEX IF NOT EXISTS origin_files_dir ON origin_files (rtrim(path, replace(path, '/', '')));
-- The index the last push was planned from (push/index-state.ts), kept so the next push
-- recomputes only the paths whose inputs changed.
CREATE TABLE IF NOT EXISTS index_files (
  path TEXT PRIMARY KEY,
  mirrors TEXT NOT NULL,           -- holders as pushed, comma-separated ascending ids
  claimed TEXT,                    -- a repository metadata file's holders before its repository narrows them
  repo_unit TEXT,                  -- the repository whose metadata this is
  listed INTEGER NOT NULL,         -- in directory listings (the release gate)
  digest TEXT NOT NULL             -- of what a push writes for it (push/plan.ts fileDigest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS index_files_listed ON index_files (path) WHERE listed = 1;
CREATE INDEX IF NOT EXISTS index_files_unit ON index_files (repo_unit) WHERE repo_unit IS NOT NULL;
CREATE TABLE IF NOT EXISTS index_held (mirror_id INTEGER PRIMARY KEY, files INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS index_cover (
  mirror_id INTEGER NOT NULL,
  subtree TEXT NOT NULL,
  at INTEGER NOT NULL,             -- start of the latest good scan of the subtree when the index was refreshed
  PRIMARY KEY (mirror_id, subtree)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
-- Paths whose index row or pushed record changed since the last push that landed whole.
CREATE TABLE IF NOT EXISTS index_pending (path TEXT PRIMARY KEY) WITHOUT ROWID;
-- Paths whose origin or mirror rows changed since the index was refreshed, kept by the triggers below.
CREATE TABLE IF NOT EXISTS dirty_paths (path TEXT PRIMARY KEY) WITHOUT ROWID;
${notePaths("mirror_files", "dirty_paths")}
-- A rescan touches every row's stat identity (mtime_ns, ino): only what the index reads counts.
${notePaths("origin_files", "dirty_paths", [...["path", "size", "mtime", "changed_at", "md5", "sha1", "sha256", "sha512", "piece_size", "alias_of"].map((c) => `old.${c} IS NOT new.${c}`), "(old.pieces IS NULL) IS NOT (new.pieces IS NULL)"].join(" OR "))}
-- A pushed record that changes, by a push or by hand, is planned again by the next push.
${notePaths("pushed_files", "index_pending")}
CREATE TABLE IF NOT EXISTS pushed_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

/**
 * Triggers that note in `into` the path of each row of `table` added, removed, or changed (where
 * `changed` holds, when given). NOT EXISTS, not OR IGNORE: a trigger takes the conflict policy of
 * the statement that fired it, and an upsert's is ABORT.
 */
function notePaths(table: string, into: string, changed?: string): string {
  const note = (row: "new" | "old") => `INSERT INTO ${into} (path) SELECT ${row}.path WHERE NOT EXISTS (SELECT 1 FROM ${into} WHERE path = ${row}.path);`;
  // Before the first push has built an index there is none to keep: it will be built whole (a first scan of a million entries is 1.5 s faster).
  const indexed = "EXISTS (SELECT 1 FROM index_meta WHERE key = 'basis')";
  return `CREATE TRIGGER IF NOT EXISTS ${table}_added AFTER INSERT ON ${table} WHEN ${indexed} BEGIN ${note("new")} END;
CREATE TRIGGER IF NOT EXISTS ${table}_removed AFTER DELETE ON ${table} WHEN ${indexed} BEGIN ${note("old")} END;
CREATE TRIGGER IF NOT EXISTS ${table}_changed AFTER UPDATE ON ${table} WHEN ${changed ? `(${changed}) AND ` : ""}${indexed} BEGIN ${note("old")} ${note("new")} END;`;
}

export type StateDb = DatabaseSync;

export function openState(file: string): StateDb {
  if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  db.exec(SCHEMA);
  upgrade(db);
  return db;
}

/** Columns added since a state file was created: each state file is brought up to the schema above. */
function upgrade(db: StateDb): void {
  const columns = new Set((db.prepare("PRAGMA table_info(pushed_files)").all() as { name: string }[]).map((c) => c.name));
  // Every file pushed so far was pushed with its own detail key.
  if (!columns.has("legacy_detail")) db.exec("ALTER TABLE pushed_files ADD COLUMN legacy_detail INTEGER NOT NULL DEFAULT 1");
}

/** A fact about what was pushed (pushed_meta): the table and its digest, the statistics' digest, the index token. */
export function setPushedMeta(db: StateDb, key: string, value: string): void {
  db.prepare("INSERT INTO pushed_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
}

/** Runs fn in one transaction: a scan's result lands whole or not at all. */
export function transaction<T>(db: StateDb, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const r = fn();
    db.exec("COMMIT");
    return r;
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/** Where the state lives: beside the config unless MIRRORHOP_STATE says otherwise. */
export function stateFileFor(configFile: string): string {
  return process.env.MIRRORHOP_STATE ?? path.join(path.dirname(configFile), ".mirrorhop", "state.sqlite");
}
