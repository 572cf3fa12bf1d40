import { env } from "cloudflare:test";
import type { FileRecord } from "../../src/core/file-record.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import { type SeedOptions, writeIndex } from "../../scripts/lib/write-index.js";

/** Seeds the test's own local D1 and KV bindings. */
export function seed(t: MirrorTable, files: Record<string, FileRecord>, opts: SeedOptions = {}): Promise<void> {
  return writeIndex(env, t, files, opts);
}
