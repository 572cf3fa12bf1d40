import type { DetailRecord } from "../core/detail-record.js";
import type { FileRecord } from "../core/file-record.js";

/** Everything a Metalink or checksum file says about one file; built by the route, rendered by pure functions. */
export interface DownloadView {
  /** The file's name, without directories (what the client saves it as). */
  name: string;
  record: FileRecord;
  /** SHA-512 and piece hashes, when the detail record could be read. */
  detail: DetailRecord | null;
  /** The chosen mirrors, best first. */
  mirrors: { url: string; country: string }[];
  originUrl: string;
  /** Whether a Metalink lists the origin (last) besides the mirrors. */
  listOrigin: boolean;
  /** Add MirrorManager's `mm0:` extensions (a repomd.xml Metalink for dnf/librepo). */
  mirrorManager?: boolean;
  /** Where this document itself is served (Metalink's origin). */
  selfUrl: string;
  generator: string;
}

export const GENERATOR = "mirrorhop/0.1";
