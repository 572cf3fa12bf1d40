/** Hex and base64 conversions that work the same in workerd and Node without Buffer. */

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error(`not a hex string: ${hex.slice(0, 20)}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

// Built with join, not +=: 32 KiB of piece hashes appended a byte at a time leave a rope of 64 K
// string pieces, about 2 MiB of heap per file until flattened (1,000 ISOs: 1.7 GiB).
export function bytesToHex(bytes: Uint8Array): string {
  const parts = new Array<string>(bytes.length);
  for (let i = 0; i < bytes.length; i++) parts[i] = HEX[bytes[i]!]!;
  return parts.join("");
}

export function hexToBase64(hex: string): string {
  const bytes = hexToBytes(hex);
  // Digests (16-64 bytes) on the request path take the one-call form; longer input goes in slices,
  // which keeps every argument list within what the engine allows.
  if (bytes.length <= 8192) return btoa(String.fromCharCode.apply(null, bytes as unknown as number[]));
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]));
  return btoa(parts.join(""));
}
