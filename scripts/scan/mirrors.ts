/**
 * `mirrorhop scan mirrors`: lists each mirror over the first protocol in scan.protocols it has a
 * URL for, concurrently, each with its own timeout. Only directories the origin has are entered,
 * so a mirror's own extras and symlink loops cost nothing. A sample of what the listing claims is
 * checked with HEAD where clients would be sent (verify.ts). A successful scan replaces what the
 * state knew of that mirror, inside the scanned subtree only; a failed or timed-out scan changes
 * nothing; a listing caught lying voids every claim of that mirror in the subtree until a scan
 * that checks out. Failures are reported with the mirror's name and the URL that failed.
 */

import { encodePathForUrl } from "../../src/core/path.js";
import { mapPool } from "../../src/core/pool.js";
import type { Config, MirrorConfig, ScanProtocol } from "../config/schema.js";
import type { StateDb } from "../state/db.js";
import { listFtp } from "./ftp.js";
import { headSize, listHttp } from "./http.js";
import { type Lister, ListingError } from "./listing.js";
import { listRsync } from "./rsync.js";
import { StagedListing } from "./staging.js";
import { describeLies, verifyClaims } from "./verify.js";
import { reconcileMirrorState } from "../state/mirror-identity.js";
import { checkContent, type Pieces } from "./content-check.js";

/** The origin's piece hashes of a file, for the content check. */
function piecesOf(db: StateDb, path: string): Pieces | null {
  const r = db.prepare("SELECT piece_size, pieces FROM origin_files WHERE path = ? AND alias_of IS NULL").get(path) as
    | { piece_size: number | null; pieces: Uint8Array | null }
    | undefined;
  return r?.piece_size && r.pieces ? { pieceSize: r.piece_size, pieces: r.pieces } : null;
}

export interface MirrorScanResult {
  mirror: string;
  protocol?: ScanProtocol;
  url?: string;
  ok: boolean;
  entries: number;
  /**
   * Claims checked with HEAD, and how many of those the server denied; `content`: claims whose
   * random piece was fetched and compared with the origin's hash, and the paths that differed
   * (voided: the mirror keeps its other claims).
   */
  verified?: { checked: number; lies: number; inconclusive: number; content?: { checked: number; mismatches: string[]; inconclusive: number } };
  ms: number;
  error?: string;
}

const LISTERS: Record<ScanProtocol, Lister> = { rsync: listRsync, ftp: listFtp, http: listHttp };

function urlFor(m: MirrorConfig, p: ScanProtocol): string | undefined {
  return p === "http" ? (m.https ?? m.http) : m[p];
}

export async function scanMirrors(
  db: StateDb,
  config: Config,
  opts: {
    names?: string[];
    subtree?: string;
    now?: number;
    onResult?: (r: MirrorScanResult) => void;
    /** Every second while listings run, and after each mirror: how far along, and what each running listing has read. */
    onProgress?: (p: ScanProgress) => void;
  } = {},
): Promise<MirrorScanResult[]> {
  const unknown = (opts.names ?? []).filter((n) => !config.mirrors.some((m) => m.name === n));
  if (unknown.length) throw new Error(`no such mirror in ${config.file}: ${unknown.join(", ")}`);
  // Before any listing is stored: an id that now names another mirror must not keep the old one's rows.
  for (const note of reconcileMirrorState(db, config.mirrors)) console.warn(note);
  const mirrors = config.mirrors.filter((m) => !opts.names?.length || opts.names.includes(m.name));
  const subtree = (opts.subtree ?? "").replace(/^\/+|\/+$/g, "");
  // Only the listers that walk directories ask (HTTP, FTP); rsync lists the tree in one go.
  let dirs: Set<string> | undefined;
  const wantDir = (rel: string) => (dirs ??= originDirs(db)).has(rel);
  const running = new Map<string, StagedListing>();
  let done = 0;
  const report = () => opts.onProgress?.({ done, total: mirrors.length, listing: [...running].map(([mirror, s]) => ({ mirror, entries: s.added })) });
  const timer = opts.onProgress ? setInterval(report, 1000) : undefined;
  try {
    const results = await mapPool(mirrors, config.scan.concurrency, async (m) => {
      const r = await scanOne(db, config, m, subtree, wantDir, opts.now, (s) => (s ? running.set(m.name, s) : running.delete(m.name)));
      done++;
      opts.onResult?.(r);
      report();
      return r;
    });
    return results.sort((a, b) => a.mirror.localeCompare(b.mirror));
  } finally {
    clearInterval(timer);
  }
}

export interface ScanProgress {
  done: number;
  total: number;
  listing: { mirror: string; entries: number }[];
}

async function scanOne(
  db: StateDb,
  config: Config,
  m: MirrorConfig,
  subtree: string,
  wantDir: (rel: string) => boolean,
  nowOverride: number | undefined,
  track: (s: StagedListing | null) => void,
): Promise<MirrorScanResult> {
  const started = Date.now();
  const now = nowOverride ?? Math.floor(started / 1000);
  const protocol = config.scan.protocols.find((p) => urlFor(m, p) !== undefined);
  const record = (r: MirrorScanResult) => {
    db.prepare(
      "INSERT INTO mirror_scans (mirror_id, subtree, protocol, url, started_at, finished_at, ok, entries, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(m.id, subtree, r.protocol ?? null, r.url ?? null, now, Math.floor(Date.now() / 1000), r.ok ? 1 : 0, r.entries, r.error ?? null);
    return r;
  };
  if (!protocol)
    return record({ mirror: m.name, ok: false, entries: 0, ms: 0, error: `no URL for any of scan.protocols (${config.scan.protocols.join(", ")})` });
  const url = urlFor(m, protocol)!;
  const signal = AbortSignal.timeout((m.timeout_seconds ?? config.scan.timeout_seconds) * 1000);
  const listing = new StagedListing(db);
  track(listing);
  try {
    await LISTERS[protocol](url, { subtree, signal, maxEntries: config.scan.max_entries, maxDepth: config.scan.max_depth, wantDir }, listing);
    await exactSizes(db, url, listing, signal);
    const downloadUrl = m.https ?? m.http;
    const sample = downloadUrl && config.scan.verify > 0 ? listing.sampleClaims(m.id, config.scan.verify) : [];
    const check = downloadUrl && config.scan.verify > 0 ? await verifyClaims(downloadUrl, sample, signal) : undefined;
    // Same size, other bytes: a random piece of a few sampled claims against the origin's hash.
    const content =
      downloadUrl && !check?.lies.length && config.scan.verify_content > 0
        ? await checkContent(downloadUrl, sample, (p) => piecesOf(db, p), config.scan.verify_content, signal)
        : undefined;
    for (const x of content?.mismatches ?? []) listing.dropClaim(x.path);
    const verified = check && {
      checked: check.checked,
      lies: check.lies.length,
      inconclusive: check.inconclusive,
      ...(content
        ? { content: { checked: content.checked, mismatches: content.mismatches.map((x) => x.path).sort(), inconclusive: content.inconclusive } }
        : {}),
    };
    if (check?.lies.length) {
      // The listing is not the tree clients would get: none of its claims can be trusted.
      listing.discard();
      listing.commit(m.id, subtree, now);
      return record({
        mirror: m.name,
        protocol,
        url,
        ok: false,
        entries: listing.added,
        ms: Date.now() - started,
        ...(verified ? { verified } : {}),
        error: `${url}: ${describeLies(check.lies, check.checked)}`,
      });
    }
    const stored = listing.commit(m.id, subtree, now);
    return record({ mirror: m.name, protocol, url, ok: true, entries: stored, ms: Date.now() - started, ...(verified ? { verified } : {}) });
  } catch (err) {
    listing.discard();
    const message = err instanceof ListingError ? err.message : `${url}: ${(err as Error).message}`;
    return record({
      mirror: m.name,
      protocol,
      url,
      ok: false,
      entries: 0,
      ms: Date.now() - started,
      error: signal.aborted && !/timed out/.test(message) ? `${url}: timed out` : message,
    });
  } finally {
    track(null);
  }
}

/** Every directory that holds an origin file, at any depth ("" for the root). */
function originDirs(db: StateDb): Set<string> {
  const dirs = new Set<string>([""]);
  for (const r of db.prepare("SELECT path FROM origin_files").iterate() as Iterable<{ path: string }>) {
    for (let i = r.path.lastIndexOf("/"); i > 0; i = r.path.lastIndexOf("/", i - 1)) {
      const dir = r.path.slice(0, i);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return dirs;
}

/** Rounded sizes ("4.0M") are settled with HEAD, only for files the origin has with a plausible size. */
async function exactSizes(db: StateDb, baseUrl: string, listing: StagedListing, signal: AbortSignal): Promise<void> {
  const originSize = db.prepare("SELECT size FROM origin_files WHERE path = ?");
  await mapPool(listing.approximate(), 8, async (e) => {
    const o = originSize.get(e.path) as { size: number } | undefined;
    // "4.0M" covers sizes within the rounding; anything else cannot be the origin's file.
    if (!o || Math.abs(o.size - e.size) > Math.max(1024, e.size * 0.06)) return listing.settle(e.path, null);
    listing.settle(e.path, await headSize(baseUrl + encodePathForUrl(e.path), signal));
  });
}
