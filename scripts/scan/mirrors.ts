/**
 * `mirrorhop scan mirrors`: lists each mirror over the first protocol in scan.protocols it has a
 * URL for, concurrently, each with its own timeout. A successful scan replaces what the state
 * knew of that mirror, inside the scanned subtree only; a failed or timed-out scan changes nothing
 * and is reported with the mirror's name and the URL that failed.
 */

import { mapPool } from "../../src/core/pool.js";
import type { Config, MirrorConfig, ScanProtocol } from "../config/schema.js";
import { type StateDb, transaction } from "../state/db.js";
import { listFtp } from "./ftp.js";
import { headSize, listHttp } from "./http.js";
import { type ListingEntry, type ListOptions, ListingError } from "./listing.js";
import { listRsync } from "./rsync.js";

export interface MirrorScanResult {
  mirror: string;
  protocol?: ScanProtocol;
  url?: string;
  ok: boolean;
  entries: number;
  ms: number;
  error?: string;
}

const LISTERS: Record<ScanProtocol, (url: string, o: ListOptions) => Promise<ListingEntry[]>> = { rsync: listRsync, ftp: listFtp, http: listHttp };

function urlFor(m: MirrorConfig, p: ScanProtocol): string | undefined {
  return p === "http" ? (m.https ?? m.http) : m[p];
}

export async function scanMirrors(
  db: StateDb,
  config: Config,
  opts: { names?: string[]; subtree?: string; now?: number; onResult?: (r: MirrorScanResult) => void } = {},
): Promise<MirrorScanResult[]> {
  const unknown = (opts.names ?? []).filter((n) => !config.mirrors.some((m) => m.name === n));
  if (unknown.length) throw new Error(`no such mirror in ${config.file}: ${unknown.join(", ")}`);
  const mirrors = config.mirrors.filter((m) => !opts.names?.length || opts.names.includes(m.name));
  const subtree = (opts.subtree ?? "").replace(/^\/+|\/+$/g, "");
  const results = await mapPool(mirrors, config.scan.concurrency, async (m) => {
    const r = await scanOne(db, config, m, subtree, opts.now);
    opts.onResult?.(r);
    return r;
  });
  return results.sort((a, b) => a.mirror.localeCompare(b.mirror));
}

async function scanOne(db: StateDb, config: Config, m: MirrorConfig, subtree: string, nowOverride?: number): Promise<MirrorScanResult> {
  const started = Date.now();
  const now = nowOverride ?? Math.floor(started / 1000);
  const protocol = config.scan.protocols.find((p) => urlFor(m, p) !== undefined);
  const record = (r: MirrorScanResult) => {
    db.prepare("INSERT INTO mirror_scans (mirror_id, subtree, protocol, url, started_at, finished_at, ok, entries, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").run(
      m.id, subtree, r.protocol ?? null, r.url ?? null, now, Math.floor(Date.now() / 1000), r.ok ? 1 : 0, r.entries, r.error ?? null,
    );
    return r;
  };
  if (!protocol) return record({ mirror: m.name, ok: false, entries: 0, ms: 0, error: `no URL for any of scan.protocols (${config.scan.protocols.join(", ")})` });
  const url = urlFor(m, protocol)!;
  const signal = AbortSignal.timeout((m.timeout_seconds ?? config.scan.timeout_seconds) * 1000);
  try {
    let entries = await LISTERS[protocol](url, { subtree, signal, maxEntries: config.scan.max_entries, maxDepth: config.scan.max_depth });
    entries = await exactSizes(db, url, entries, signal);
    transaction(db, () => {
      if (subtree) db.prepare("DELETE FROM mirror_files WHERE mirror_id = ? AND (path = ? OR path LIKE ? ESCAPE '\\')").run(m.id, subtree, likePrefix(subtree));
      else db.prepare("DELETE FROM mirror_files WHERE mirror_id = ?").run(m.id);
      const ins = db.prepare("INSERT OR REPLACE INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at) VALUES (?, ?, ?, ?, ?, ?)");
      for (const e of entries) ins.run(m.id, e.path, e.size, e.mtime ?? null, e.mtimeRes, now);
    });
    return record({ mirror: m.name, protocol, url, ok: true, entries: entries.length, ms: Date.now() - started });
  } catch (err) {
    const message = err instanceof ListingError ? err.message : `${url}: ${(err as Error).message}`;
    return record({ mirror: m.name, protocol, url, ok: false, entries: 0, ms: Date.now() - started, error: signal.aborted && !/timed out/.test(message) ? `${url}: timed out` : message });
  }
}

/** Rounded sizes ("4.0M") are settled with HEAD, only for files the origin has with a plausible size. */
async function exactSizes(db: StateDb, baseUrl: string, entries: ListingEntry[], signal: AbortSignal): Promise<ListingEntry[]> {
  const approx = entries.filter((e) => e.approxSize);
  if (approx.length === 0) return entries;
  const originSize = db.prepare("SELECT size FROM origin_files WHERE path = ?");
  const out = entries.filter((e) => !e.approxSize);
  let i = 0;
  const worker = async () => {
    while (i < approx.length) {
      const e = approx[i++]!;
      const o = originSize.get(e.path) as { size: number } | undefined;
      // "4.0M" covers sizes within the rounding; anything else cannot be the origin's file.
      if (!o || Math.abs(o.size - e.size) > Math.max(1024, e.size * 0.06)) continue;
      const exact = await headSize(baseUrl + e.path.split("/").map(encodeURIComponent).join("/"), signal);
      if (exact !== null) out.push({ path: e.path, size: exact, ...(e.mtime !== undefined ? { mtime: e.mtime } : {}), mtimeRes: e.mtimeRes });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

export function likePrefix(dir: string): string {
  return dir.replace(/[\\%_]/g, (c) => "\\" + c) + "/%";
}
