/**
 * Applies migrations/*.sql in order and records them in `d1_migrations`, the table and names
 * `wrangler d1 migrations apply` uses, so either tool sees what the other applied.
 */

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ROOT } from "../lib/root.js";

export interface SqlRunner {
  query<T>(sql: string): Promise<T[]>;
  /** Runs the statements as one batch: all of them or none. */
  batch(statements: string[]): Promise<void>;
}

export const MIGRATIONS_DIR = path.join(ROOT, "migrations");

export async function applyMigrations(db: SqlRunner, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db.batch([
    "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
  ]);
  const done = new Set((await db.query<{ name: string }>("SELECT name FROM d1_migrations")).map((r) => r.name));
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const applied: string[] = [];
  for (const f of files) {
    if (done.has(f)) continue;
    const sql = await readFile(path.join(dir, f), "utf8");
    const statements = sql
      .split("--> statement-breakpoint")
      .map((s) => s.trim())
      .filter(Boolean);
    await db.batch([...statements, `INSERT INTO d1_migrations (name) VALUES ('${f.replaceAll("'", "''")}')`]);
    applied.push(f);
  }
  return applied;
}
