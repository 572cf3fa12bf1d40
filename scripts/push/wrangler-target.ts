/**
 * The push target: wrangler's own commands against local (`wrangler dev` state) or remote
 * (Cloudflare) D1 and KV. The only difference between the two is the --local/--remote flag, so
 * the local demo and tests exercise exactly the commands production runs. Remote pushes read
 * CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID from the environment, as wrangler does; this
 * code never sees, logs or stores them.
 */

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parse } from "smol-toml";
import { ROOT } from "../lib/root.js";

export interface Target {
  kind: "local" | "remote";
  /** wrangler's --persist-to, for local state outside .wrangler/. */
  persistTo?: string | undefined;
  /** wrangler environment (e.g. "production" for --remote). */
  env?: string | undefined;
  /** wrangler.toml to use; the project's by default. */
  wranglerConfig?: string | undefined;
}

const require = createRequire(import.meta.url);

/** wrangler's own launcher (its package exports hide bin/, so it is found beside the main entry). */
export function wranglerBin(): string {
  return path.join(path.dirname(require.resolve("wrangler")), "..", "bin", "wrangler.js");
}

/** The D1 database name behind the DB binding, for `wrangler d1 execute <name>`. */
export function databaseName(t: Target): string {
  const file = t.wranglerConfig ?? path.join(ROOT, "wrangler.toml");
  const cfg = parse(readFileSync(file, "utf8")) as { d1_databases?: { binding: string; database_name: string }[]; env?: Record<string, { d1_databases?: { binding: string; database_name: string }[] }> };
  const list = (t.env ? cfg.env?.[t.env]?.d1_databases : cfg.d1_databases) ?? [];
  const db = list.find((d) => d.binding === "DB");
  if (!db) throw new Error(`${file}: no D1 binding "DB"${t.env ? ` in env.${t.env}` : ""}`);
  return db.database_name;
}

/** The flags that pick the target; everything else about a command is the same for local and remote. */
export function common(t: Target): string[] {
  return [
    t.kind === "local" ? "--local" : "--remote",
    ...(t.persistTo ? ["--persist-to", t.persistTo] : []),
    ...(t.env ? ["--env", t.env] : []),
    ...(t.wranglerConfig ? ["--config", t.wranglerConfig] : []),
  ];
}

/**
 * How long one wrangler command may run: a remote call that hangs must not hang the CI job with
 * it. A push stopped this way is re-run as it is (it resumes). MIRRORHOP_WRANGLER_TIMEOUT_SECONDS
 * overrides the default of 15 minutes.
 */
export function wranglerTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.MIRRORHOP_WRANGLER_TIMEOUT_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 15 * 60_000;
}

export function runWrangler(args: string[], timeoutMs = wranglerTimeoutMs()): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let stdout = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    }, timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      stdout += d;
    });
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const what = `wrangler ${args.slice(0, 3).join(" ")}`;
      if (timedOut) reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s and was stopped (MIRRORHOP_WRANGLER_TIMEOUT_SECONDS); run the push again, it resumes`));
      else if (code === 0) resolve(stdout);
      else reject(new Error(`${what} failed (${code}):\n${out.trim().split("\n").slice(-15).join("\n")}`));
    });
  });
}

/** Runs one read-only query and returns its rows (wrangler's --json output). */
export async function d1Query<T>(t: Target, sql: string): Promise<T[]> {
  const out = await runWrangler(["d1", "execute", databaseName(t), "--command", sql, "--json", ...common(t)]);
  const parsed = JSON.parse(out) as { results: T[] }[];
  return parsed.flatMap((r) => r.results);
}

/** Idempotent: brings the database to the schema in migrations/ before anything is written. */
export const d1MigrationsApply = (t: Target) => runWrangler(["d1", "migrations", "apply", databaseName(t), ...common(t)]);
export const d1ExecuteFile = (t: Target, file: string) => runWrangler(["d1", "execute", databaseName(t), "--file", file, "--yes", ...common(t)]);
export const kvBulkPut = (t: Target, file: string) => runWrangler(["kv", "bulk", "put", file, "--binding", "INDEX", ...common(t)]);
export const kvBulkDelete = (t: Target, file: string) => runWrangler(["kv", "bulk", "delete", file, "--binding", "INDEX", "--force", ...common(t)]);
