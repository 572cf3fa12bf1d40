/** The Worker's bindings and variables (wrangler.toml). */
export interface Env {
  DB: D1Database;
  INDEX: KVNamespace;
  /** Base URL of the origin tree, ending in '/': the fallback of last resort. */
  ORIGIN_URL: string;
  /** Where users reach this Worker, e.g. "https://download.example.org/": its own absolute links use it instead of the request's Host. */
  PUBLIC_URL?: string;
  /** "true" lets x-debug-* request headers stand in for platform geo. Never set in production. */
  DEBUG_HEADERS?: string;
  /** How long an isolate trusts its cached mirror table; "0" re-reads on every request (tests). */
  MIRROR_TABLE_TTL_SECONDS?: string;
  /** How long an isolate trusts a file record it read; "0" disables the record cache. */
  FILE_RECORD_TTL_SECONDS?: string;
  /** Where download statistics go: "analytics-engine" (needs STATS), "d1" or "off"; by default Analytics Engine when STATS is bound. */
  STATS_STORE?: string;
  /** The Workers Analytics Engine dataset the counts are written to. */
  STATS?: AnalyticsEngineDataset;
  /** Reading Analytics Engine back for the status page: the account, an API token with Analytics read (a secret), the dataset's name. */
  STATS_ACCOUNT_ID?: string;
  STATS_API_TOKEN?: string;
  STATS_DATASET?: string;
  /** How long a data centre reuses a statistics report; "0" reads the store on every view (tests). */
  STATS_CACHE_SECONDS?: string;
  /** Replaces the SQL API's URL: only for the tests' stand-in of it. */
  STATS_SQL_URL?: string;
}
