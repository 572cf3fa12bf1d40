/** The Worker's bindings and variables (wrangler.toml). */
export interface Env {
  DB: D1Database;
  INDEX: KVNamespace;
  /** Base URL of the origin tree, ending in '/': the fallback of last resort. */
  ORIGIN_URL: string;
  /** "true" lets x-debug-* request headers stand in for platform geo. Never set in production. */
  DEBUG_HEADERS?: string;
  /** How long an isolate trusts its cached mirror table; "0" re-reads on every request (tests). */
  MIRROR_TABLE_TTL_SECONDS?: string;
  /** How long an isolate trusts a file record it read; "0" disables the record cache. */
  FILE_RECORD_TTL_SECONDS?: string;
}
