/** wrangler's own launcher, for `wrangler dev` (the demo, the tests): its package exports hide bin/, so it is found beside the main entry. */

import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export function wranglerBin(): string {
  return path.join(path.dirname(require.resolve("wrangler")), "..", "bin", "wrangler.js");
}

/**
 * `wrangler dev` serving the Worker on loopback from a local state directory, as the demo and the
 * tests run it: the arguments after node, and the environment (no network lookups, no metrics).
 */
export function wranglerDev(port: number, persistTo: string, vars: Record<string, string>, extra: string[] = []): { args: string[]; env: NodeJS.ProcessEnv } {
  const args = [wranglerBin(), "dev", "--ip", "127.0.0.1", "--port", String(port), "--local-upstream", `127.0.0.1:${port}`, "--persist-to", persistTo];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  args.push(...extra, "--show-interactive-dev-session=false");
  return { args, env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" } };
}
