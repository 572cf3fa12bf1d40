/** wrangler's own launcher, for `wrangler dev` (the demo, the tests): its package exports hide bin/, so it is found beside the main entry. */

import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export function wranglerBin(): string {
  return path.join(path.dirname(require.resolve("wrangler")), "..", "bin", "wrangler.js");
}
