/**
 * D1 is the source of truth; KV is derived from it by the push. drizzle-kit generates
 * migrations/ from this file (`npm run db:generate`).
 */

import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
const flag = (name: string, dflt: boolean) => integer(name, { mode: "boolean" }).notNull().default(dflt);

export const mirrors = sqliteTable("mirrors", {
  id: integer("id").primaryKey(),
  name: text("name").notNull().unique(),
  httpUrl: text("http_url"),
  httpsUrl: text("https_url"),
  /** Always NULL: the scanner's URLs (and their credentials) stay in mirrorhop.toml. Kept for old rows. */
  ftpUrl: text("ftp_url"),
  rsyncUrl: text("rsync_url"),
  country: text("country").notNull(),
  continent: text("continent").notNull(),
  region: text("region"),
  lat: real("lat"),
  lon: real("lon"),
  asns: json<number[]>("asns").notNull().default(sql`'[]'`),
  prefixes: json<string[]>("prefixes").notNull().default(sql`'[]'`),
  weight: integer("weight").notNull().default(100),
  countryOnly: flag("country_only", false),
  regionOnly: flag("region_only", false),
  asnOnly: flag("asn_only", false),
  prefixOnly: flag("prefix_only", false),
  extraCountries: json<string[]>("extra_countries").notNull().default(sql`'[]'`),
  allowCountries: json<string[]>("allow_countries").notNull().default(sql`'[]'`),
  denyCountries: json<string[]>("deny_countries").notNull().default(sql`'[]'`),
  ipv4: flag("ipv4", true),
  ipv6: flag("ipv6", true),
  maxFileSize: integer("max_file_size"),
  enabled: flag("enabled", true),
  /** Written by the push: how many current file versions the mirror holds (coverage = files_held / meta.file_count). */
  filesHeld: integer("files_held").notNull().default(0),
  /** Start of the mirror's last successful scan (Unix seconds). */
  lastScanAt: integer("last_scan_at"),
});

/**
 * One row per mirror and scheme, kept by the probers (docs/health.md): up/down with hysteresis
 * counters. Only what changes with the mirror's state: a round rewrites a row when that changes.
 * When it was last checked and how fast it answered are in the chart's meta rows.
 */
export const mirrorStatus = sqliteTable(
  "mirror_status",
  {
    mirrorId: integer("mirror_id")
      .notNull()
      .references(() => mirrors.id, { onDelete: "cascade" }),
    scheme: text("scheme", { enum: ["http", "https", "ftp", "rsync"] }).notNull(),
    up: flag("up", true),
    since: integer("since"),
    failures: integer("failures").notNull().default(0),
    successes: integer("successes").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [primaryKey({ columns: [t.mirrorId, t.scheme] })],
);

/** One row per mirror: what its trace file says, and per-family reachability from `mirrorhop probe`. Its lag is derived (origin trace − trace_at). */
export const mirrorHealth = sqliteTable("mirror_health", {
  mirrorId: integer("mirror_id")
    .primaryKey()
    .references(() => mirrors.id, { onDelete: "cascade" }),
  traceAt: integer("trace_at"),
  traceSince: integer("trace_since"),
  stalled: flag("stalled", false),
  ipv4Up: integer("ipv4_up", { mode: "boolean" }),
  ipv6Up: integer("ipv6_up", { mode: "boolean" }),
});

/** Failed probes, kept for policy.health.historyDays: what went wrong and when (successes are in the chart rows). */
export const probeHistory = sqliteTable(
  "probe_history",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    mirrorId: integer("mirror_id")
      .notNull()
      .references(() => mirrors.id, { onDelete: "cascade" }),
    scheme: text("scheme", { enum: ["http", "https"] }).notNull(),
    family: integer("family"),
    at: integer("at").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    lagSeconds: integer("lag_seconds"),
    latencyMs: integer("latency_ms"),
    error: text("error"),
  },
  (t) => [index("probe_history_at").on(t.at), index("probe_history_mirror_at").on(t.mirrorId, t.at)],
);

export const files = sqliteTable("files", {
  id: integer("id").primaryKey(),
  path: text("path").notNull().unique(),
  size: integer("size").notNull(),
  mtime: integer("mtime").notNull(),
  /** When the content last changed: every mirror claim older than this was dropped. */
  changedAt: integer("changed_at").notNull(),
  md5: text("md5"),
  sha1: text("sha1"),
  sha256: text("sha256"),
  sha512: text("sha512"),
  /** The same mirror bitset as the KV record (one bit per mirror id): 1M files × 64 mirrors stay at 8 MB. */
  mirrors: blob("mirrors", { mode: "buffer" }).$type<Uint8Array>().notNull(),
  /** A declared repository's metadata: "consistent" (mirrors is its repository's consistent set) or "origin". */
  repoMeta: text("repo_meta", { enum: ["consistent", "origin"] }),
});

export const filePieces = sqliteTable("file_pieces", {
  fileId: integer("file_id")
    .primaryKey()
    .references(() => files.id, { onDelete: "cascade" }),
  pieceSize: integer("piece_size").notNull(),
  /** Concatenated SHA-256 digests, 32 bytes per piece. */
  hashes: blob("hashes", { mode: "buffer" }).$type<Uint8Array>().notNull(),
  /** SHA-256 of the file version the pieces belong to: a row left by an interrupted push matches no newer version. */
  sha256: text("sha256"),
});

/**
 * Small key/value settings: the pushed policy ("policy"), the table generation ("generation"), the
 * number of files ("file_count"), and from the probers the origin's trace ("origin_trace") and the
 * time of the last round ("probed_at").
 */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * Download statistics, when D1 is the statistics store (docs/statistics.md): daily aggregates
 * only, one table per view the status page shows, so no view scans another's dimensions. `kind`
 * is what was counted (download, resume, repeat, metalink, checksum, mirrorlist); `mirror_id` 0 is
 * the origin, and for it `tier` says why. No client address or network is stored.
 */
const statsCounts = { events: integer("events").notNull().default(0), bytes: integer("bytes").notNull().default(0) };

export const statsMirrorDay = sqliteTable(
  "stats_mirror_day",
  { day: text("day").notNull(), kind: text("kind").notNull(), mirrorId: integer("mirror_id").notNull(), tier: text("tier").notNull(), ...statsCounts },
  (t) => [primaryKey({ columns: [t.day, t.kind, t.mirrorId, t.tier] })],
);

export const statsUnitDay = sqliteTable(
  "stats_unit_day",
  { day: text("day").notNull(), kind: text("kind").notNull(), unit: text("unit").notNull(), ...statsCounts },
  (t) => [primaryKey({ columns: [t.day, t.kind, t.unit] })],
);

export const statsCountryDay = sqliteTable(
  "stats_country_day",
  { day: text("day").notNull(), kind: text("kind").notNull(), country: text("country").notNull(), ...statsCounts },
  (t) => [primaryKey({ columns: [t.day, t.kind, t.country] })],
);
