/**
 * Download paths are canonicalised exactly once, here, and both halves use the result as the
 * index key: the scanner for what it writes, the Worker for what it looks up. A canonical path is
 * relative (no leading slash), NFC-free (bytes as published), and has no empty, "." or ".." segment.
 */

export const MAX_PATH_BYTES = 1024;

export type PathResult = { ok: true; path: string; isDirectory: boolean } | { ok: false; reason: string };

const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Takes the still percent-encoded pathname of a request (what follows the host, without the
 * query) and returns the canonical index path or the reason it is refused.
 *
 * Refused rather than repaired: a client that sends "//", "..", an encoded slash or a control
 * character is either broken or probing, and a silent repair would make two URLs name one file.
 */
export function canonicalisePath(rawPathname: string): PathResult {
  if (!rawPathname.startsWith("/")) return { ok: false, reason: "path must start with '/'" };
  if (rawPathname.length > MAX_PATH_BYTES * 3) return { ok: false, reason: `path longer than ${MAX_PATH_BYTES} bytes` };
  if (rawPathname.includes("\\") || /%5c/i.test(rawPathname)) return { ok: false, reason: "backslash in path" };
  if (/%2f/i.test(rawPathname)) return { ok: false, reason: "encoded slash (%2F) in path" };

  const body = rawPathname.slice(1);
  const isDirectory = body === "" || body.endsWith("/");
  const rawSegments = body === "" ? [] : (isDirectory ? body.slice(0, -1) : body).split("/");

  const segments: string[] = [];
  for (const raw of rawSegments) {
    if (raw === "") return { ok: false, reason: "empty path segment ('//')" };
    let seg: string;
    try {
      seg = strictDecode(raw);
    } catch {
      return { ok: false, reason: "malformed percent-encoding or invalid UTF-8 in path" };
    }
    if (CONTROL.test(seg)) return { ok: false, reason: "control character (NUL, CR, LF, ...) in path" };
    if (seg === "." || seg === "..") return { ok: false, reason: "'.' or '..' segment in path" };
    segments.push(seg);
  }
  const path = segments.join("/") + (isDirectory && segments.length > 0 ? "/" : "");
  // A UTF-16 unit is at most 3 UTF-8 bytes: only long paths need counting.
  if (path.length * 3 > MAX_PATH_BYTES && utf8Length(path) > MAX_PATH_BYTES) return { ok: false, reason: `path longer than ${MAX_PATH_BYTES} bytes` };
  return { ok: true, path, isDirectory };
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** decodeURIComponent accepts lone surrogates' encodings inconsistently across runtimes; a fatal TextDecoder does not. */
function strictDecode(segment: string): string {
  if (!segment.includes("%")) return segment;
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; ) {
    const ch = segment.charCodeAt(i);
    if (ch === 0x25) {
      const hex = segment.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error("bad escape");
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      const cp = segment.codePointAt(i)!;
      const encoded = new TextEncoder().encode(String.fromCodePoint(cp));
      for (const b of encoded) bytes.push(b);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return utf8.decode(new Uint8Array(bytes));
}

export function utf8Length(s: string): number {
  return new TextEncoder().encode(s).length;
}

// Exactly the characters encodeURIComponent leaves alone, plus '/', ':' and '@'.
const NEEDS_NO_ENCODING = /^[A-Za-z0-9\-_.!~*'()/:@]*$/;

/** Percent-encodes an index path for use after a base URL. ':' and '@' stay readable (openSUSE's "home:user" projects). */
export function encodePathForUrl(path: string): string {
  // Most release paths are plain ASCII: skip the split-encode-join on the request path.
  if (NEEDS_NO_ENCODING.test(path)) return path;
  return path
    .split("/")
    .map((seg) => encodeURIComponent(seg).replace(/%3A/g, ":").replace(/%40/g, "@"))
    .join("/");
}

/** Joins a base URL that ends in '/' with a canonical index path. */
export function joinUrl(baseUrl: string, path: string): string {
  return baseUrl + encodePathForUrl(path);
}

/** The first `depth` directory segments: the unit of "the same repository" for stickiness. */
export function repositoryOf(path: string, depth: number): string {
  const dir = path.slice(0, Math.max(0, path.lastIndexOf("/")));
  if (depth <= 0 || dir === "") return "";
  let end = -1;
  for (let k = 0; k < depth; k++) {
    end = dir.indexOf("/", end + 1);
    if (end < 0) return dir;
  }
  return dir.slice(0, end);
}

/** The directory part of a path as listings and packs key it: "" for the root, else ending in "/". */
export function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/") + 1);
}

export function baseName(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? path : path.slice(i + 1);
}
