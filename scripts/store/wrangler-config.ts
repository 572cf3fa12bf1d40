/**
 * The D1 database and KV namespace behind the Worker's DB and INDEX bindings, read from
 * wrangler.toml as wrangler reads them, so that the offline side writes exactly where the Worker
 * (and `wrangler dev`) reads.
 */

import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { ROOT } from "../lib/root.js";
import type { Target } from "./target.js";

interface D1Binding {
  binding: string;
  database_name: string;
  database_id?: string;
  preview_database_id?: string;
}
interface KvBinding {
  binding: string;
  id?: string;
  preview_id?: string;
}
interface Section {
  d1_databases?: D1Binding[];
  kv_namespaces?: KvBinding[];
}

export interface Bindings {
  file: string;
  databaseName: string;
  /** The database's id: its Cloudflare UUID, and the name of its local SQLite file. */
  databaseId: string;
  namespaceId: string;
}

export function wranglerConfigFile(t: Pick<Target, "wranglerConfig">): string {
  return t.wranglerConfig ?? path.join(ROOT, "wrangler.toml");
}

export function bindingsOf(t: Pick<Target, "env" | "wranglerConfig">): Bindings {
  const file = wranglerConfigFile(t);
  const cfg = parse(readFileSync(file, "utf8")) as Section & { env?: Record<string, Section> };
  // Environments do not inherit bindings (wrangler's rule): a named environment states its own.
  const section = t.env ? cfg.env?.[t.env] : cfg;
  const where = t.env ? ` in [env.${t.env}]` : "";
  const db = section?.d1_databases?.find((d) => d.binding === "DB");
  if (!db) throw new Error(`${file}: no D1 binding "DB"${where}`);
  const kv = section?.kv_namespaces?.find((k) => k.binding === "INDEX");
  if (!kv) throw new Error(`${file}: no KV binding "INDEX"${where}`);
  // wrangler's local id rule: the preview id, else the id, else the binding name.
  return {
    file,
    databaseName: db.database_name,
    databaseId: db.preview_database_id ?? db.database_id ?? db.binding,
    namespaceId: kv.preview_id ?? kv.id ?? kv.binding,
  };
}

/**
 * The cron's interval in minutes, from `[triggers] crons` (a schedule of the form "*​/N * * * *" or
 * "* * * * *"); null when no such schedule is there.
 */
export function cronMinutes(t: Pick<Target, "env" | "wranglerConfig"> = {}): number | null {
  const cfg = parse(readFileSync(wranglerConfigFile(t), "utf8")) as {
    triggers?: { crons?: string[] };
    env?: Record<string, { triggers?: { crons?: string[] } }>;
  };
  const crons = (t.env ? cfg.env?.[t.env]?.triggers : cfg.triggers)?.crons ?? [];
  for (const c of crons) {
    const m = /^(\*|\*\/([0-9]+)) \* \* \* \*$/.exec(c.trim());
    if (m) return m[2] ? Number(m[2]) : 1;
  }
  return null;
}

/** The Worker's ORIGIN_URL in an environment's vars (production by default); null when unset. */
export function workerOriginUrl(env = "production", t: Pick<Target, "wranglerConfig"> = {}): string | null {
  const cfg = parse(readFileSync(wranglerConfigFile(t), "utf8")) as {
    vars?: Record<string, unknown>;
    env?: Record<string, { vars?: Record<string, unknown> }>;
  };
  const v = (env ? cfg.env?.[env]?.vars : cfg.vars)?.ORIGIN_URL;
  return typeof v === "string" ? v : null;
}
