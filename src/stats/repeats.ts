/**
 * Recognising repeats: a full download of one file from one client network within the repeat
 * window counts once (MirrorBits learned this in its PR #128). The mark lives in the data centre's
 * cache (the Cache API), keyed by a hash of network and path, and expires with the window: nothing
 * durable, nothing that names the client, and it is read and written after the response has gone out.
 */

export interface RepeatMarks {
  /** True when the key was marked within `ttlSeconds`; marks it either way. */
  seen(key: string, ttlSeconds: number): Promise<boolean>;
}

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Marks in `caches.default` under the Worker's own host, so they share the zone's cache. */
export function cacheRepeatMarks(host: string): RepeatMarks {
  return {
    async seen(key, ttlSeconds) {
      const req = new Request(`https://${host}/_mirrorhop/repeat/${await sha256Hex(key)}`);
      const cache = (caches as unknown as { default: Cache }).default;
      if (await cache.match(req)) return true;
      await cache.put(req, new Response("1", { headers: { "Cache-Control": `max-age=${ttlSeconds}` } }));
      return false;
    },
  };
}
