/** `wrangler dev` as a test peer: the Worker reading exactly the local state `push --local` wrote. */

import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "../../scripts/lib/local-edge.js";
import { freePort } from "../../scripts/lib/rsync-daemon.js";
import { wranglerBin } from "../../scripts/lib/wrangler-bin.js";

export async function startWranglerDev(persistTo: string, vars: Record<string, string> = {}): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const args = [wranglerBin(), "dev", "--ip", "127.0.0.1", "--port", String(port), "--local-upstream", `127.0.0.1:${port}`, "--persist-to", persistTo, "--show-interactive-dev-session=false"];
  for (const [k, v] of Object.entries({ DEBUG_HEADERS: "true", MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0", ...vars })) args.push("--var", `${k}:${v}`);
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, stdio: "ignore", env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (await fetch(`${url}/_mirrorhop/health`).then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
    },
  };
}
