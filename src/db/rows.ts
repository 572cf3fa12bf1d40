/** Conversions between D1 rows and the index types, shared by the Worker's D1 fallback and the push. */

import type { FileRecord } from "../core/file-record.js";
import { decodeMirrorSet, encodeMirrorSet, fileRecordOf } from "../core/file-record.js";
import { type Mirror, mirrorUrls } from "../core/mirror.js";
import type { files, mirrors } from "./schema.js";

type MirrorRow = typeof mirrors.$inferSelect;
type FileRow = typeof files.$inferSelect;

/** A mirror as configured; probe state is applied on top (health/health-doc.ts). */
export function mirrorFromRow(r: MirrorRow): Mirror {
  return {
    id: r.id,
    name: r.name,
    urls: mirrorUrls({ http: r.httpUrl, https: r.httpsUrl }),
    country: r.country,
    continent: r.continent,
    ...(r.region !== null ? { region: r.region } : {}),
    ...(r.lat !== null ? { lat: r.lat } : {}),
    ...(r.lon !== null ? { lon: r.lon } : {}),
    asns: r.asns,
    prefixes: r.prefixes,
    weight: r.weight,
    countryOnly: r.countryOnly,
    regionOnly: r.regionOnly,
    asnOnly: r.asnOnly,
    prefixOnly: r.prefixOnly,
    extraCountries: r.extraCountries,
    allowCountries: r.allowCountries,
    denyCountries: r.denyCountries,
    ipv4: r.ipv4,
    ipv6: r.ipv6,
    ...(r.maxFileSize !== null ? { maxFileSize: r.maxFileSize } : {}),
    enabled: r.enabled,
    up: {},
  };
}

/** The configured columns; files_held and last_scan_at are the push's statistics, written apart. */
export function mirrorToRow(m: Mirror): Omit<MirrorRow, "filesHeld" | "lastScanAt"> {
  return {
    id: m.id,
    name: m.name,
    httpUrl: m.urls.http ?? null,
    httpsUrl: m.urls.https ?? null,
    // Never written: the scanner's URLs (and their credentials) stay in mirrorhop.toml.
    ftpUrl: null,
    rsyncUrl: null,
    country: m.country,
    continent: m.continent,
    region: m.region ?? null,
    lat: m.lat ?? null,
    lon: m.lon ?? null,
    asns: m.asns,
    prefixes: m.prefixes,
    weight: m.weight,
    countryOnly: m.countryOnly,
    regionOnly: m.regionOnly,
    asnOnly: m.asnOnly,
    prefixOnly: m.prefixOnly,
    extraCountries: m.extraCountries,
    allowCountries: m.allowCountries,
    denyCountries: m.denyCountries,
    ipv4: m.ipv4,
    ipv6: m.ipv6,
    maxFileSize: m.maxFileSize ?? null,
    enabled: m.enabled,
  };
}

export function fileRecordFromRow(r: Pick<FileRow, "size" | "mtime" | "changedAt" | "md5" | "sha1" | "sha256" | "mirrors" | "repoMeta">): FileRecord {
  return fileRecordOf({ ...r, changed: r.changedAt, mirrors: decodeMirrorSet(toBytes(r.mirrors)) });
}

export function fileRowFrom(path: string, rec: FileRecord & { sha512?: string }): Omit<FileRow, "id"> {
  return {
    path,
    size: rec.size,
    mtime: rec.mtime,
    changedAt: rec.changed,
    md5: rec.md5 ?? null,
    sha1: rec.sha1 ?? null,
    sha256: rec.sha256 ?? null,
    sha512: rec.sha512 ?? null,
    mirrors: encodeMirrorSet(rec.mirrors),
    repoMeta: rec.repoMeta ?? null,
  };
}

/** D1 hands blobs back as number arrays, ArrayBuffers or typed arrays depending on the path taken. */
export function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (Array.isArray(v)) return Uint8Array.from(v as number[]);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  throw new Error(`not a blob: ${typeof v}`);
}
