import { describe, expect, it } from "vitest";
import { decodeFileRecord, encodeFileRecord, fileKey } from "../../src/core/file-record.js";
import { file } from "../helpers/fixtures.js";

describe("KV file record", () => {
  it("round-trips every field", () => {
    const r = file([0, 1, 7, 8, 63, 200], { size: 4_700_000_000, mtime: 1_763_000_000, changed: 1_762_000_000 });
    expect(decodeFileRecord(encodeFileRecord(r))).toEqual(r);
    const bare = { size: 0, mtime: 0, changed: 0, mirrors: [] };
    expect(decodeFileRecord(encodeFileRecord(bare))).toEqual(bare);
  });

  it("stays within 120 bytes for a 4.7 GB file on 64 mirrors with md5, sha1 and sha256", () => {
    const r = file(
      Array.from({ length: 64 }, (_, i) => i),
      { size: 4_700_000_000, mtime: 1_763_000_000, changed: 1_763_000_000 },
    );
    const bytes = encodeFileRecord(r);
    expect(bytes.length).toBeLessThanOrEqual(120);
    // 2 header + 5 size + 5 mtime + 5 changed + 68 hashes + 1 length + 8 bitset
    expect(bytes.length).toBe(94);
  });

  it("refuses truncated, padded and unknown-version records", () => {
    const bytes = encodeFileRecord(file([1, 2, 3]));
    expect(() => decodeFileRecord(bytes.subarray(0, bytes.length - 1))).toThrow(/length|truncated/);
    expect(() => decodeFileRecord(new Uint8Array([...bytes, 0]))).toThrow(/length/);
    expect(() => decodeFileRecord(new Uint8Array([9, ...bytes.subarray(1)]))).toThrow(/version 9/);
    expect(() => encodeFileRecord(file([1], { sha256: "abcd" }))).toThrow(/sha256 must be 32 bytes/);
  });

  it("keys long paths by their hash to stay under KV's 512-byte key limit", async () => {
    expect(await fileKey("a/b.iso")).toBe("f:a/b.iso");
    const long = "d/".repeat(300) + "f.iso";
    const key = await fileKey(long);
    expect(key).toMatch(/^f#[0-9a-f]{64}$/);
    expect(await fileKey(long + "x")).not.toBe(key);
  });
});

describe("detail record versions", () => {
  it("a detail record carries the version it describes; a version-1 record matches none", async () => {
    const { decodeDetailRecord, encodeDetailRecord, matchesVersion } = await import("../../src/core/detail-record.js");
    const version = { size: 4_700_000_000, sha256: "ab".repeat(32) };
    const d = decodeDetailRecord(encodeDetailRecord({ version, sha512: "cd".repeat(64), pieceSize: 262144, pieces: new Uint8Array(64).fill(7) }));
    expect(d.version).toEqual(version);
    expect([d.sha512, d.pieceSize, d.pieces?.length]).toEqual(["cd".repeat(64), 262144, 64]);
    expect(matchesVersion(d, { size: 4_700_000_000, sha256: "ab".repeat(32) })).toBe(true);
    expect(matchesVersion(d, { size: 4_700_000_001, sha256: "ab".repeat(32) })).toBe(false);
    expect(matchesVersion(d, { size: 4_700_000_000 })).toBe(false);
    const v1 = decodeDetailRecord(Uint8Array.from([1, 1, ...new Uint8Array(64).fill(0xcd)]));
    expect([v1.version, v1.sha512]).toEqual([undefined, "cd".repeat(64)]);
    expect(matchesVersion(v1, version)).toBe(false);
  });
});
