/** The redirect policy an operator sets in mirrorhop.toml and the push carries to the edge. */

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
}

export const DEFAULT_POLICY: Policy = {
  minSize: 4096,
  originPatterns: [
    "repomd.xml",
    "repomd.xml.*",
    "InRelease",
    "Release",
    "Release.gpg",
    "Packages*",
    "Sources*",
    "*.sig",
    "*.asc",
  ],
  regions: {},
  stickiness: { repoDepth: 2, ipv4Bits: 24, ipv6Bits: 48 },
  distanceHalfKm: 2000,
  maxLinks: 5,
};

export function policyWithDefaults(p: Partial<Policy> | undefined): Policy {
  return {
    ...DEFAULT_POLICY,
    ...p,
    stickiness: { ...DEFAULT_POLICY.stickiness, ...p?.stickiness },
  };
}

/** Compiles glob patterns once per table load; the request path only runs the resulting test. */
export function compileOriginPatterns(patterns: string[]): (path: string) => boolean {
  const body = (glob: string) => glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]");
  // One alternation per kind: a single regex test per request instead of one per pattern.
  const anyOf = (globs: string[]) => (globs.length ? new RegExp(`^(?:${globs.map(body).join("|")})$`) : null);
  const whole = anyOf(patterns.filter((g) => g.includes("/")));
  const names = anyOf(patterns.filter((g) => !g.includes("/")));
  return (path: string) => (names !== null && names.test(path.slice(path.lastIndexOf("/") + 1))) || (whole !== null && whole.test(path));
}
