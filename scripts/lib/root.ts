/** The project's root directory. Its own module so that importing it loads nothing else (the CLI must not load Miniflare to find wrangler). */

import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url).href);
