/** A real FTP server on loopback (ftp-srv), anonymous and read-only, serving one directory. */

import { FtpSrv } from "ftp-srv";
import { freePort } from "../../scripts/lib/rsync-daemon.js";

// ftp-srv logs through a bunyan-style logger; tests read results, not its chatter.
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {}, child: () => quiet };

export async function startFtpServer(root: string): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const pasv = await freePort();
  const server = new FtpSrv({
    url: `ftp://127.0.0.1:${port}`,
    anonymous: true,
    pasv_url: "127.0.0.1",
    pasv_min: pasv,
    pasv_max: pasv + 20,
    greeting: "mirrorhop test",
    log: quiet as never,
  });
  server.on("login", (_data: unknown, resolve: (o: { root: string }) => void) => resolve({ root }));
  await server.listen();
  return { url: `ftp://127.0.0.1:${port}/`, stop: () => server.close() };
}
