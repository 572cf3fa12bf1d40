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
  seen_at INTEGER NOT NULL,        -- start of the scan that saw it
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
CREATE TABLE IF NOT EXISTS pushed_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;
`;

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
