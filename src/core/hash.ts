/** Small, fast, deterministic hashes for the selection policy. Not for security. */

/** FNV-1a over UTF-16 code units. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: a bijection on 32 bits with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform draw in the open interval (0, 1) for the pair (key, mirror id). */
export function unitDraw(keyHash: number, mirrorId: number): number {
  return unitDrawOfMix(keyHash, idMix(mirrorId));
}

/** The mirror id's half of `unitDraw`: the same for every key, so a table can keep it. */
export function idMix(mirrorId: number): number {
  return fmix32(Math.imul(mirrorId + 1, 0x9e3779b1));
}

/** `unitDraw(keyHash, id)` given `idMix(id)`. */
export function unitDrawOfMix(keyHash: number, mix: number): number {
  return (fmix32((keyHash ^ mix) >>> 0) + 0.5) / 4294967296;
}
