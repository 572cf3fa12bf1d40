/** An rsync daemon on loopback serving one directory as a module, for the demo and the tests. */

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

export function hasRsync(): boolean {
  return spawnSync("rsync", ["--version"], { stdio: "ignore" }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RsyncDaemon {
  url: string;
  stop(): Promise<void>;
}

export async function startRsyncDaemon(root: string, module = "pub"): Promise<RsyncDaemon> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-rsyncd-"));
  const port = await freePort();
  const conf = path.join(dir, "rsyncd.conf");
  writeFileSync(
    conf,
    `pid file = ${dir}/rsyncd.pid\nuse chroot = no\nlog file = ${dir}/rsyncd.log\n[${module}]\n  path = ${root}\n  read only = yes\n  list = yes\n${process.getuid?.() === 0 ? "  uid = root\n  gid = root\n" : ""}`,
  );
  const child: ChildProcess = spawn("rsync", ["--daemon", "--no-detach", `--config=${conf}`, `--port=${port}`, "--address=127.0.0.1"], { stdio: "ignore" });
  // Ready when the port accepts connections.
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `rsync://127.0.0.1:${port}/${module}/`,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      // Its config, pid file and log: nothing of a stopped daemon is left in the temp directory.
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
