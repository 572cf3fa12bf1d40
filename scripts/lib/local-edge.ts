/**
 * The Worker on local workerd, driven from Node through Miniflare: bundled with esbuild exactly as
 * wrangler would, with local D1 (migrations applied) and KV, listening on 127.0.0.1.
 * Used by the Node-side tests, the benchmarks and the demo.
 */

import path from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { ROOT } from "./root.js";
import { applyMigrations } from "../store/migrations.js";

export { ROOT };
export const COMPATIBILITY_DATE = "2026-11-01";

export async function bundleWorker(entry = path.join(ROOT, "src/index.ts")): Promise<string> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2023",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    minify: false,
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

export interface LocalEdgeOptions {
  port?: number;
  vars?: Record<string, string>;
  /** Directory for D1/KV state; in-memory when absent. */
  persistTo?: string;
  /** A pre-built Worker script (benchmark baselines); the mirrorhop bundle when absent. */
  script?: string;
  /** Open workerd's DevTools inspector on this port (profiling). */
  inspectorPort?: number;
  /** Bind STATS to an Analytics Engine dataset (locally it accepts data points and keeps none). */
  analyticsDataset?: string;
}

export interface LocalEdge {
  url: URL;
  mf: Miniflare;
  DB: D1Database;
  INDEX: KVNamespace;
  dispose(): Promise<void>;
}

export async function startLocalEdge(opts: LocalEdgeOptions = {}): Promise<LocalEdge> {
  const script = opts.script ?? (await bundleWorker());
  const vars = { ORIGIN_URL: "http://127.0.0.1:8080/", DEBUG_HEADERS: "true", ...opts.vars };
  // Miniflare 5 (the runtime wrangler 4 ships) takes each Worker as one typed config object.
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: opts.port ?? 0,
    ...(opts.persistTo ? { resourcePersistencePath: opts.persistTo } : {}),
    ...(opts.inspectorPort ? { inspectorPort: opts.inspectorPort } : {}),
    workers: [
      {
        config: {
          name: "mirrorhop",
          compatibilityDate: COMPATIBILITY_DATE,
          manifest: { mainModule: "worker.js", modules: { "worker.js": { type: "esm", contents: script } } },
          env: {
            DB: { type: "d1", id: "mirrorhop" },
            INDEX: { type: "kv", id: "mirrorhop-index" },
            ...(opts.analyticsDataset ? { STATS: { type: "analytics-engine-dataset" as const, name: opts.analyticsDataset } } : {}),
            ...Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, { type: "text" as const, value: v }])),
          },
        },
      },
    ],
  });
  const url = await mf.ready;
  const DB = (await mf.getD1Database("DB")) as unknown as D1Database;
  const INDEX = (await mf.getKVNamespace("INDEX")) as unknown as KVNamespace;
  await migrateBinding(DB);
  return { url, mf, DB, INDEX, dispose: () => mf.dispose() };
}

/** The migrations, through the bindings of a running local edge. */
export function migrateBinding(db: D1Database): Promise<string[]> {
  return applyMigrations({
    query: async <T>(sql: string) => (await db.prepare(sql).all<T>()).results,
    batch: async (statements) => void (await db.batch(statements.map((s) => db.prepare(s)))),
  });
}
