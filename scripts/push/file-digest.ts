/** What a push writes for a file, as one digest: the state compares it with the one pushed last. */

import { createHash } from "node:crypto";
import { encodeFileRecord } from "../../src/core/file-record.js";
import type { IndexedFile } from "./index-build.js";

/** Bumped when what a push writes for an unchanged file changes shape: each file is then written once more. */
export const WRITTEN_FORMAT = "detail-v2";

export function fileDigest(f: IndexedFile): string {
  // The piece hashes follow from the content (its SHA-256 is in the record) and the piece size.
  return createHash("sha1")
    .update(WRITTEN_FORMAT)
    .update(encodeFileRecord(f.record))
    .update(f.sha512 ?? "")
    .update(String(f.pieceSize ?? ""))
    .digest("hex");
}
