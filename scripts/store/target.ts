/**
 * Where the offline side writes the index: the local state `wrangler dev` serves, or Cloudflare.
 * A target is a description; `openStore` (store.ts) turns it into the writer for that place.
 */

export interface Target {
  kind: "local" | "remote";
  /** wrangler's --persist-to, for local state outside .wrangler/state. */
  persistTo?: string | undefined;
  /** wrangler environment (e.g. "production" for --remote). */
  env?: string | undefined;
  /** wrangler.toml to use; the project's by default. */
  wranglerConfig?: string | undefined;
}
