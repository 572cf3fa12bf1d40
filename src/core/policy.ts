/** The redirect policy an operator sets in mirrorhop.toml and the push carries to the edge. */

import { REPOSITORY_KINDS, type RepositoryDecl } from "./repository.js";

export interface Policy {
  /** Files smaller than this many bytes go to the origin: a redirect would cost more than the file. */
  minSize: number;
  /** Glob patterns (`*`, `?`) for files that always go to the origin. A pattern with '/' matches the whole path, otherwise the file name. */
  originPatterns: string[];
  /** Operator regions: name → member countries. A client and a mirror in one region share the region tier; without a region, the continent decides. */
  regions: Record<string, string[]>;
  stickiness: {
    /** How many leading directories name "the same repository". */
    repoDepth: number;
    /** Prefix lengths that name "the same client network". */
    ipv4Bits: number;
    ipv6Bits: number;
  };
  /** Distance that halves a mirror's weight in the region and world tiers, in km; 0 turns distance off. */
  distanceHalfKm: number;
  /** How many mirrors the Link rel=duplicate header lists. */
  maxLinks: number;
  /**
   * A path the index does not know (published after the last push): "origin" redirects it there,
   * and the origin answers 404 for what it lacks (MirrorBrain's rule); "404" answers it here.
   */
  unknownPaths: "origin" | "404";
  /**
   * List the origin in Metalinks that name mirrors too. Off by default: libzypp and aria2c fetch
   * pieces from every listed URL whatever its priority, so the origin would carry a share of every
   * download. A Metalink with no mirror always names the origin.
   */
  metalinkOrigin: boolean;
  /** Declared package repositories: their metadata is served as a unit (docs/repositories.md). */
  repositories: RepositoryDecl[];
  /** scan.max_claim_age_seconds, for the status page to say why a mirror holds nothing. */
  claimMaxAgeSeconds: number;
  health: HealthPolicy;
  release: ReleasePolicy;
  stats: StatsPolicy;
}

/** Download counting at the edge (docs/statistics.md). */
export interface StatsPolicy {
  enabled: boolean;
  /** A second full download of one file from one client network within this window is a repeat, not a download. */
  repeatWindowSeconds: number;
  /**
   * Where repeats are remembered: "isolate" (each Worker instance's memory: free, misses a repeat
   * that lands on another instance) or "data-centre" (also the Cache API of the data centre: two
   * cache operations per first download, after the response; docs/statistics.md has the cost).
   */
  repeatMarks: "isolate" | "data-centre";
  /** How long the D1 store keeps its daily aggregates (Analytics Engine keeps its events for three months). */
  retentionDays: number;
}

/** How probes judge mirrors (docs/health.md). Carried in the table so the edge cron needs nothing else. */
export interface HealthPolicy {
  /** Path, relative to the tree, of the trace file the origin rewrites with a timestamp; null turns probes off. */
  traceFile: string | null;
  /** Consecutive failed probes before a scheme is marked down, and consecutive good ones before it is up again. */
  downAfter: number;
  upAfter: number;
  timeoutMs: number;
  /** A mirror whose trace is further behind the origin's than this takes no traffic (per lagScope); null: no limit. */
  maxLagSeconds: number | null;
  /** "all": a lagging mirror gets nothing; "mutable": only files matching mutablePatterns avoid it. */
  lagScope: "all" | "mutable";
  mutablePatterns: string[];
  /** A mirror whose trace has not moved for this long while the origin's has is reported as stalled. */
  stalledAfterSeconds: number;
  /** Probe fetches per cron run (the platform caps subrequests per invocation); the least recently probed go first. */
  maxProbesPerRun: number;
  /** Probes in flight at once (the platform allows 6 open connections per invocation). */
  concurrency: number;
  /** How long probe history (the rollout chart) is kept. */
  historyDays: number;
  /** Probe verdicts older than this are ignored (every mirror counts as configured); 0: never. */
  verdictMaxAgeSeconds: number;
}

/** Release gating: how a new file reaches the world without melting the origin or the first mirror. */
export interface ReleasePolicy {
  /** A file younger than minAgeSeconds goes to the origin until this many mirrors hold it; 0 turns gating off. */
  minMirrors: number;
  minAgeSeconds: number;
  /** Globs for staged paths: answered 404 until minMirrors mirrors hold the file, whatever its age. */
  staged: string[];
}

export const DEFAULT_POLICY: Policy = {
  minSize: 4096,
  originPatterns: ["repomd.xml", "repomd.xml.*", "InRelease", "Release", "Release.gpg", "Packages*", "Sources*", "*.sig", "*.asc"],
  regions: {},
  stickiness: { repoDepth: 2, ipv4Bits: 24, ipv6Bits: 48 },
  distanceHalfKm: 2000,
  maxLinks: 5,
  unknownPaths: "origin",
  metalinkOrigin: false,
  repositories: [],
  claimMaxAgeSeconds: 7 * 86_400,
  health: {
    traceFile: null,
    downAfter: 2,
    upAfter: 2,
    timeoutMs: 10_000,
    maxLagSeconds: 86_400,
    lagScope: "all",
    mutablePatterns: [],
    stalledAfterSeconds: 86_400,
    maxProbesPerRun: 45,
    concurrency: 6,
    historyDays: 14,
    verdictMaxAgeSeconds: 3600,
  },
  release: { minMirrors: 0, minAgeSeconds: 6 * 3600, staged: [] },
  stats: { enabled: true, repeatWindowSeconds: 600, repeatMarks: "isolate", retentionDays: 90 },
};

export function policyWithDefaults(p: Partial<Policy> | undefined): Policy {
  return {
    ...DEFAULT_POLICY,
    ...p,
    stickiness: { ...DEFAULT_POLICY.stickiness, ...p?.stickiness },
    health: { ...DEFAULT_POLICY.health, ...p?.health },
    release: { ...DEFAULT_POLICY.release, ...p?.release },
    stats: { ...DEFAULT_POLICY.stats, ...p?.stats },
    // Read from KV at the boundary: a malformed declaration is dropped, never trusted.
    repositories: Array.isArray(p?.repositories) ? p.repositories.filter(isRepositoryDecl) : [],
  };
}

function isRepositoryDecl(r: unknown): r is RepositoryDecl {
  const d = r as Partial<RepositoryDecl> | null;
  return (
    typeof d === "object" &&
    d !== null &&
    typeof d.root === "string" &&
    !d.root.startsWith("/") &&
    !d.root.endsWith("/") &&
    (d.kind === "detect" || (REPOSITORY_KINDS as readonly string[]).includes(d.kind as string)) &&
    (d.metadata === "mirrors" || d.metadata === "origin")
  );
}

/**
 * Compiles glob patterns once per table load; the request path only runs the resulting test.
 * Used for origin patterns, mutable patterns and staged paths alike.
 */
export function compilePathGlobs(patterns: string[]): (path: string) => boolean {
  const body = (glob: string) =>
    glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, "[^/]*")
      .replace(/\?/g, "[^/]");
  // One alternation per kind: a single regex test per request instead of one per pattern.
  const anyOf = (globs: string[]) => (globs.length ? new RegExp(`^(?:${globs.map(body).join("|")})$`) : null);
  const whole = anyOf(patterns.filter((g) => g.includes("/")));
  const names = anyOf(patterns.filter((g) => !g.includes("/")));
  return (path: string) => names?.test(path.slice(path.lastIndexOf("/") + 1)) === true || whole?.test(path) === true;
}
