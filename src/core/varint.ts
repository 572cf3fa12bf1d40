/** LEB128 varints for the binary KV records, with arithmetic rather than bit operators: sizes and times exceed 32 bits. */

export function writeVarint(out: number[], n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`varint out of range: ${n}`);
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** Reads one varint at `r.pos` and advances it; `what` names the record in errors. */
export function readVarint(r: { buf: Uint8Array; pos: number }, what: string): number {
  let n = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (r.pos >= r.buf.length) throw new Error(`${what} truncated in a number`);
    const b = r.buf[r.pos++]!;
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n;
    scale *= 0x80;
  }
  throw new Error("varint too long");
}
