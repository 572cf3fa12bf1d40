/** Checksum files in the format `sha256sum -c` reads: "<hex>  <name>\n". */

import type { DownloadView } from "./download-view.js";

export const CHECKSUM_KINDS = ["sha256", "sha1", "md5", "sha512"] as const;
export type ChecksumKind = (typeof CHECKSUM_KINDS)[number];

export function checksumOf(v: Pick<DownloadView, "record" | "detail">, kind: ChecksumKind): string | undefined {
  return kind === "sha512" ? v.detail?.sha512 : v.record[kind];
}

/** null when the hash is unknown; `onlyHash` gives the bare hash (?only_hash). */
export function checksumFile(v: Pick<DownloadView, "name" | "record" | "detail">, kind: ChecksumKind, onlyHash: boolean): string | null {
  const hex = checksumOf(v, kind);
  if (!hex) return null;
  return onlyHash ? `${hex}\n` : `${hex}  ${v.name}\n`;
}
