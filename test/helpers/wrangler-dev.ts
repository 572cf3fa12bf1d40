/**
 * `wrangler dev` on loopback for tests, on a port of its own. A free port found and released can
 * be taken by another test's server before wrangler binds it; then wrangler fails to start, or
 * (worse) another server answers. So the readiness check asks for this Worker's own health JSON,
 * and a start that lost its port is retried on another.
 */

import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "../../scripts/lib/local-edge.js";
import { freePort } from "../../scripts/lib/rsync-daemon.js";
import { wranglerDev } from "../../scripts/lib/wrangler-bin.js";

/** Whether what answers on `url` is a mirrorhop Worker (its health route), not whatever else took the port. */
async function isMirrorhop(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/_mirrorhop/health`, { signal: AbortSignal.timeout(2000) });
    const body = (await res.json()) as { status?: unknown; kv?: unknown };
    return ["ok", "degraded", "down"].includes(String(body.status)) && typeof body.kv === "boolean";
  } catch {
    return false;
  }
}

export async function startWranglerDev(persistTo: string, vars: Record<string, string> = {}): Promise<{ url: string; stop(): Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const dev = wranglerDev(port, persistTo, { DEBUG_HEADERS: "true", MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0", ...vars });
    const child: ChildProcess = spawn(process.execPath, dev.args, { cwd: ROOT, stdio: "ignore", env: dev.env });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    };
    let ready = false;
    for (let i = 0; i < 240 && child.exitCode === null; i++) {
      if (await isMirrorhop(url)) {
        ready = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    if (ready) return { url, stop };
    await stop();
    if (attempt >= 3) throw new Error(`wrangler dev did not come up on 127.0.0.1 after ${attempt} ports`);
  }
}
