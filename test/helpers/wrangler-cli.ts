/**
 * The wrangler CLI as an independent reader of what the offline side wrote: tests read the local
 * D1 and KV back with wrangler's own commands, so the store and wrangler must agree on where the
 * state lives and what it holds.
 */

import { spawn } from "node:child_process";
import { ROOT } from "../../scripts/lib/root.js";
import { wranglerBin } from "../../scripts/lib/wrangler-bin.js";
import type { Target } from "../../scripts/store/target.js";
import { bindingsOf } from "../../scripts/store/wrangler-config.js";

export function common(t: Target): string[] {
  return [
    t.kind === "local" ? "--local" : "--remote",
    ...(t.persistTo ? ["--persist-to", t.persistTo] : []),
    ...(t.env ? ["--env", t.env] : []),
    ...(t.wranglerConfig ? ["--config", t.wranglerConfig] : []),
  ];
}

export function runWrangler(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let stdout = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => ((out += d), (stdout += d)));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", (err) => (clearTimeout(timer), reject(err)));
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${code}):\n${out.trim().split("\n").slice(-15).join("\n")}`));
    });
  });
}

export async function d1Query<T>(t: Target, sql: string): Promise<T[]> {
  const out = await runWrangler(["d1", "execute", bindingsOf(t).databaseName, "--command", sql, "--json", ...common(t)]);
  return (JSON.parse(out) as { results: T[] }[]).flatMap((r) => r.results);
}
