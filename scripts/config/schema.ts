/**
 * mirrorhop.toml as types, and its validation (zod). Keys are snake_case in the file and
 * camelCase inside; validation happens once, at load, and everything after trusts the result.
 */

import { z } from "zod";
import { COUNTRY_ALIASES, continentOf, isKnownCountry } from "../../src/core/geo.js";
import { parseCidr } from "../../src/core/ip.js";
import { type Mirror, MAX_MIRROR_ID, mirrorUrls } from "../../src/core/mirror.js";
import { DEFAULT_POLICY, type Policy } from "../../src/core/policy.js";
import { REPOSITORY_KINDS } from "../../src/core/repository.js";

const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, "must be a two-letter ISO 3166 country code")
  .transform((s) => s.toUpperCase())
  // A code the platform never reports would never match a client: refused, never silently kept.
  .superRefine((cc, ctx) => {
    if (isKnownCountry(cc)) return;
    const alias = COUNTRY_ALIASES[cc];
    ctx.addIssue({
      code: "custom",
      message: `"${cc}" is not an ISO 3166 country code${alias ? `; did you mean "${alias}"? (the platform reports ${cc} as ${alias})` : ""}`,
    });
  });
const baseUrl = (scheme: string) =>
  z
    .string()
    .refine((u) => URL.canParse(u) && new URL(u).protocol === `${scheme}:`, `must be a ${scheme}:// URL`)
    .refine((u) => u.endsWith("/"), "must end with '/'")
    .refine((u) => !URL.canParse(u) || (!new URL(u).search && !new URL(u).hash), "must not carry a query or fragment");

export const mirrorSchema = z
  .object({
    id: z.number().int().min(0).max(MAX_MIRROR_ID),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "must be 1-63 letters, digits, '.', '_' or '-'"),
    http: baseUrl("http").optional(),
    https: baseUrl("https").optional(),
    ftp: baseUrl("ftp").optional(),
    rsync: baseUrl("rsync").optional(),
    country,
    continent: z.enum(["AF", "AN", "AS", "EU", "NA", "OC", "SA"]).optional(),
    region: z.string().min(1).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    asns: z.array(z.number().int().min(1).max(0xffffffff)).default([]),
    prefixes: z.array(z.string().refine((p) => parseCidr(p) !== null, "is not a CIDR prefix (like 192.0.2.0/24 or 2001:db8::/32)")).default([]),
    weight: z.number().min(0).default(100),
    country_only: z.boolean().default(false),
    region_only: z.boolean().default(false),
    asn_only: z.boolean().default(false),
    prefix_only: z.boolean().default(false),
    extra_countries: z.array(country).default([]),
    allow_countries: z.array(country).default([]),
    deny_countries: z.array(country).default([]),
    ipv4: z.boolean().default(true),
    ipv6: z.boolean().default(true),
    max_file_size: z.number().int().min(0).optional(),
    enabled: z.boolean().default(true),
    /** Scan timeout for this mirror, overriding [scan]. */
    timeout_seconds: z.number().positive().optional(),
  })
  .strict()
  .refine((m) => m.http || m.https, { message: "needs an http or https URL to redirect to", path: ["http"] })
  .refine((m) => m.continent || !/^[A-Z]{2}$/.test(m.country) || continentOf(m.country), {
    message: "continent is required for this country",
    path: ["continent"],
  });

const policySchema = z
  .object({
    min_size: z.number().int().min(0).default(DEFAULT_POLICY.minSize),
    origin_patterns: z.array(z.string().min(1)).default(DEFAULT_POLICY.originPatterns),
    regions: z.record(z.string(), z.array(country)).default({}),
    stickiness: z
      .object({
        repo_depth: z.number().int().min(0).max(16).default(DEFAULT_POLICY.stickiness.repoDepth),
        ipv4_bits: z.number().int().min(0).max(32).default(DEFAULT_POLICY.stickiness.ipv4Bits),
        ipv6_bits: z.number().int().min(0).max(128).default(DEFAULT_POLICY.stickiness.ipv6Bits),
      })
      .strict()
      .default({
        repo_depth: DEFAULT_POLICY.stickiness.repoDepth,
        ipv4_bits: DEFAULT_POLICY.stickiness.ipv4Bits,
        ipv6_bits: DEFAULT_POLICY.stickiness.ipv6Bits,
      }),
    distance_half_km: z.number().min(0).default(DEFAULT_POLICY.distanceHalfKm),
    max_links: z.number().int().min(0).max(20).default(DEFAULT_POLICY.maxLinks),
    unknown_paths: z.enum(["origin", "404"]).default(DEFAULT_POLICY.unknownPaths),
    metalink_origin: z.boolean().default(DEFAULT_POLICY.metalinkOrigin),
  })
  .strict();

const repositorySchema = z
  .object({
    root: z
      .string()
      .transform((r) => r.replace(/^\/+|\/+$/g, ""))
      .refine(
        (r) => r === "" || !r.split("/").some((seg) => seg === "" || seg === "." || seg === ".."),
        'must be a directory of the tree, like debian or fedora/42/x86_64 ("" for the whole tree)',
      ),
    kind: z.enum([...REPOSITORY_KINDS, "detect"]).default("detect"),
    metadata: z.enum(["mirrors", "origin"]).default("mirrors"),
  })
  .strict();

const H = DEFAULT_POLICY.health;
const healthSchema = z
  .object({
    down_after: z.number().int().min(1).max(100).default(H.downAfter),
    up_after: z.number().int().min(1).max(100).default(H.upAfter),
    timeout_seconds: z
      .number()
      .positive()
      .max(60)
      .default(H.timeoutMs / 1000),
    /** 0 turns the lag limit off. */
    max_lag_seconds: z
      .number()
      .int()
      .min(0)
      .default(H.maxLagSeconds ?? 0),
    lag_scope: z.enum(["all", "mutable"]).default(H.lagScope),
    mutable_patterns: z.array(z.string().min(1)).default(H.mutablePatterns),
    stalled_after_seconds: z.number().int().min(60).default(H.stalledAfterSeconds),
    max_probes_per_run: z.number().int().min(1).max(1000).default(H.maxProbesPerRun),
    concurrency: z.number().int().min(1).max(6).default(H.concurrency),
    history_days: z.number().int().min(1).max(366).default(H.historyDays),
    /** 0: verdicts never expire (a network probing rarely from CI, with the cron off). */
    verdict_max_age_seconds: z.number().int().min(0).default(H.verdictMaxAgeSeconds),
  })
  .strict()
  .refine((h) => h.lag_scope === "all" || h.mutable_patterns.length > 0, {
    message: 'lag_scope = "mutable" needs mutable_patterns',
    path: ["mutable_patterns"],
  });

const R = DEFAULT_POLICY.release;
const releaseSchema = z
  .object({
    min_mirrors: z.number().int().min(0).max(1000).default(R.minMirrors),
    min_age_seconds: z.number().int().min(0).default(R.minAgeSeconds),
    staged: z.array(z.string().min(1)).default(R.staged),
  })
  .strict()
  .refine((r) => r.staged.length === 0 || r.min_mirrors > 0, {
    message: "staged paths need min_mirrors > 0 (they open when that many mirrors hold them)",
    path: ["staged"],
  });

const S = DEFAULT_POLICY.stats;
const statsSchema = z
  .object({
    enabled: z.boolean().default(S.enabled),
    repeat_window_seconds: z.number().int().min(0).max(86_400).default(S.repeatWindowSeconds),
    repeat_marks: z.enum(["isolate", "data-centre"]).default(S.repeatMarks),
    retention_days: z.number().int().min(1).max(3660).default(S.retentionDays),
  })
  .strict();

export const PROTOCOLS = ["rsync", "ftp", "http"] as const;
/** A week: long enough to ride out a mirror's bad weekend, short enough that a dead one stops counting. */
export const DEFAULT_MAX_CLAIM_AGE_SECONDS = 7 * 86_400;
export type ScanProtocol = (typeof PROTOCOLS)[number];

const scanSchema = z
  .object({
    protocols: z.array(z.enum(PROTOCOLS)).min(1).default(["rsync", "ftp", "http"]),
    timeout_seconds: z.number().positive().default(600),
    concurrency: z.number().int().min(1).max(256).default(8),
    mtime_tolerance_seconds: z.number().min(0).default(1),
    max_entries: z.number().int().min(1).default(5_000_000),
    max_depth: z.number().int().min(1).default(64),
    verify: z.number().int().min(0).max(1000).default(16),
    /** Of the verified claims, how many also get one random piece fetched and compared (a piece is up to 4 MiB). */
    verify_content: z.number().int().min(0).max(1000).default(2),
    /** A claim is as old as the scan that saw it; older than this, it no longer counts (docs/scanner.md). */
    max_claim_age_seconds: z.number().int().min(60).default(DEFAULT_MAX_CLAIM_AGE_SECONDS),
  })
  .strict();

export const configSchema = z
  .object({
    origin: z
      .object({
        path: z.string().min(1),
        url: z.string().refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol) && u.endsWith("/"), "must be an http(s) URL ending in '/'"),
        trace: z
          .string()
          .regex(/^[^/][^\0]*$/, "must be a path relative to the tree, like TIME or project/trace/origin")
          .refine((t) => !t.split("/").some((seg) => seg === "" || seg === "." || seg === ".."), "must not hold empty, '.' or '..' segments")
          .optional(),
      })
      .strict(),
    policy: policySchema.default(policySchema.parse({})),
    health: healthSchema.default(healthSchema.parse({})),
    release: releaseSchema.default(releaseSchema.parse({})),
    stats: statsSchema.default(statsSchema.parse({})),
    scan: scanSchema.default(scanSchema.parse({})),
    mirror: z.array(mirrorSchema).default([]),
    repository: z.array(repositorySchema).default([]),
  })
  .strict()
  .superRefine((c, ctx) => {
    const roots = new Map<string, number>();
    c.repository.forEach((r, i) => {
      if (roots.has(r.root))
        ctx.addIssue({
          code: "custom",
          path: ["repository", i, "root"],
          message: `root "${r.root}" is declared twice (also repository ${roots.get(r.root)! + 1})`,
        });
      roots.set(r.root, i);
    });
    const ids = new Map<number, number>();
    const names = new Map<string, number>();
    c.mirror.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({ code: "custom", path: ["mirror", i, "id"], message: `duplicate id ${m.id} (also mirror ${ids.get(m.id)! + 1})` });
      if (names.has(m.name)) ctx.addIssue({ code: "custom", path: ["mirror", i, "name"], message: `duplicate name ${m.name}` });
      ids.set(m.id, i);
      names.set(m.name, i);
    });
  });

export type RawConfig = z.infer<typeof configSchema>;
export type MirrorConfig = RawConfig["mirror"][number];

export interface Config {
  /** Absolute path of the config file; relative paths in it are relative to its directory. */
  file: string;
  origin: { path: string; url: string; trace?: string | undefined };
  policy: Policy;
  scan: RawConfig["scan"];
  mirrors: MirrorConfig[];
}

export function mirrorOf(m: MirrorConfig): Mirror {
  return {
    id: m.id,
    name: m.name,
    urls: mirrorUrls(m),
    country: m.country,
    continent: m.continent ?? continentOf(m.country)!,
    ...(m.region ? { region: m.region } : {}),
    ...(m.lat !== undefined ? { lat: m.lat } : {}),
    ...(m.lon !== undefined ? { lon: m.lon } : {}),
    asns: m.asns,
    prefixes: m.prefixes,
    weight: m.weight,
    countryOnly: m.country_only,
    regionOnly: m.region_only,
    asnOnly: m.asn_only,
    prefixOnly: m.prefix_only,
    extraCountries: m.extra_countries,
    allowCountries: m.allow_countries,
    denyCountries: m.deny_countries,
    ipv4: m.ipv4,
    ipv6: m.ipv6,
    ...(m.max_file_size !== undefined ? { maxFileSize: m.max_file_size } : {}),
    enabled: m.enabled,
    up: {},
  };
}

export function policyOf(c: Pick<RawConfig, "policy" | "health" | "release" | "origin"> & Partial<Pick<RawConfig, "repository" | "scan" | "stats">>): Policy {
  const { policy: p, health: h, release: r } = c;
  return {
    minSize: p.min_size,
    originPatterns: p.origin_patterns,
    regions: p.regions,
    stickiness: { repoDepth: p.stickiness.repo_depth, ipv4Bits: p.stickiness.ipv4_bits, ipv6Bits: p.stickiness.ipv6_bits },
    distanceHalfKm: p.distance_half_km,
    maxLinks: p.max_links,
    unknownPaths: p.unknown_paths,
    metalinkOrigin: p.metalink_origin,
    repositories: (c.repository ?? []).map((r) => ({ root: r.root, kind: r.kind, metadata: r.metadata })),
    claimMaxAgeSeconds: c.scan?.max_claim_age_seconds ?? DEFAULT_MAX_CLAIM_AGE_SECONDS,
    health: {
      traceFile: c.origin.trace ?? null,
      downAfter: h.down_after,
      upAfter: h.up_after,
      timeoutMs: Math.round(h.timeout_seconds * 1000),
      maxLagSeconds: h.max_lag_seconds > 0 ? h.max_lag_seconds : null,
      lagScope: h.lag_scope,
      mutablePatterns: h.mutable_patterns,
      stalledAfterSeconds: h.stalled_after_seconds,
      maxProbesPerRun: h.max_probes_per_run,
      concurrency: h.concurrency,
      historyDays: h.history_days,
      verdictMaxAgeSeconds: h.verdict_max_age_seconds,
    },
    release: { minMirrors: r.min_mirrors, minAgeSeconds: r.min_age_seconds, staged: r.staged },
    stats: c.stats
      ? {
          enabled: c.stats.enabled,
          repeatWindowSeconds: c.stats.repeat_window_seconds,
          repeatMarks: c.stats.repeat_marks,
          retentionDays: c.stats.retention_days,
        }
      : DEFAULT_POLICY.stats,
  };
}
