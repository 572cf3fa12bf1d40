/** Index fixtures for tests: mirrors and files written the way a push writes them. */

import { type FileRecord, MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import { type Mirror, mirrorWithDefaults } from "../../src/core/mirror.js";
import type { MirrorTable } from "../../src/core/mirror-table.js";
import { type Policy, policyWithDefaults } from "../../src/core/policy.js";

export type MirrorSpec = Partial<Mirror> & Pick<Mirror, "id" | "name" | "country" | "continent">;

export function mirror(spec: MirrorSpec): Mirror {
  return mirrorWithDefaults({
    urls: { http: `http://${spec.name}.test/pub/`, https: `https://${spec.name}.test/pub/` },
    ...spec,
  });
}

export function table(mirrors: Mirror[], policy: Partial<Policy> = {}, generation = "test"): MirrorTable {
  return { format: 1, generation, policy: policyWithDefaults(policy), mirrors };
}

const HEX = (n: number, len: number) => n.toString(16).padStart(2, "0").repeat(len);

export function file(mirrors: number[], over: Partial<FileRecord> = {}): FileRecord {
  return {
    size: 10 * 1024 * 1024,
    mtime: 1_760_000_000,
    changed: 1_760_000_000,
    md5: HEX(0x11, 16),
    sha1: HEX(0x22, 20),
    sha256: HEX(0x33, 32),
    mirrors,
    ...over,
  };
}

export { MIRROR_TABLE_KEY };
