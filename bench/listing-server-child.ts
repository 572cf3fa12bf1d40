/** A listing server of the protocol benchmark, in a process of its own so its CPU is not the lister's: `http|ftp <root>`; prints its URL. */

import { startStaticServer } from "../scripts/lib/static-server.js";
import { startFtpServer } from "../test/helpers/ftp-server.js";

const [protocol, root] = process.argv.slice(2) as ["http" | "ftp", string];
const server = protocol === "http" ? await startStaticServer(root) : await startFtpServer(root);
console.log(server.url);
// Stopped by its parent's signal.
process.on("SIGTERM", () => server.stop().then(() => process.exit(0)));
