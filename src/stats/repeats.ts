/**
 * Recognising repeats: a full download of one file from one client network within the repeat
 * window counts once (MirrorBits learned this in its PR #128). The mark lives in the data centre's
 * cache (the Cache API), keyed by a hash of network and path, and expires with the window: nothing
 * durable, nothing that names the client, and it is read and written after the response has gone out.
 * The isolate remembers its own recent marks first, so a repeat it saw itself costs no cache call.
 */

export interface RepeatMarks {
  /** True when the key was marked within `ttlSeconds`; marks it either way. Synchronous when the isolate knows. */
  seen(key: string, ttlSeconds: number): Promise<boolean> | boolean;
}

async function sha256Hex(text: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}

/** The isolate's own marks: bounded, oldest dropped first (a Map iterates in insertion order). */
const LOCAL_MAX = 10_000;
const local = new Map<string, number>();

function seenLocally(key: string, ttlSeconds: number, nowMs: number): boolean {
  const until = local.get(key);
  if (until !== undefined && until > nowMs) return true;
  local.delete(key);
  local.set(key, nowMs + ttlSeconds * 1000);
  if (local.size > LOCAL_MAX) local.delete(local.keys().next().value!);
  return false;
}

/** Forgets the isolate's marks, as a fresh isolate would have none: only the data centre's cache remains. */
export function forgetLocalRepeatMarks(): void {
  local.clear();
}

/**
 * The isolate's marks, and with `shared` also those in `caches.default` under the Worker's own
 * host (the zone's cache). `host` is asked for only then: the common path parses no URL.
 */
export function repeatMarks(host: () => string, shared: boolean): RepeatMarks {
  return {
    seen(key, ttlSeconds) {
      if (seenLocally(key, ttlSeconds, Date.now())) return true;
      return shared ? seenInCache(host(), key, ttlSeconds) : false;
    },
  };
}

async function seenInCache(host: string, key: string, ttlSeconds: number): Promise<boolean> {
  const req = new Request(`https://${host}/_mirrorhop/repeat/${await sha256Hex(key)}`);
  const cache = (caches as unknown as { default: Cache }).default;
  if (await cache.match(req)) return true;
  await cache.put(req, new Response("1", { headers: { "Cache-Control": `max-age=${ttlSeconds}` } }));
  return false;
}
