/**
 * Storage reads per answer with KV healthy, counted on the real local KV and D1: downloads,
 * derived documents and unknown paths read KV once and D1 never, repeats read nothing; D1 is asked
 * about a KV miss only while a push is known to be propagating (docs/plans-and-limits.md).
 */

import { MAX_ANCESTORS_ASKED } from "../../src/storage/nearest-listing.js";
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { MIRROR_TABLE_KEY } from "../../src/core/file-record.js";
import { packMirrorTable } from "../../src/core/mirror-table.js";
import type { Env } from "../../src/env.js";
import { HEALTH_KEY } from "../../src/health/health-doc.js";
import { PROPAGATION_WINDOW_MS, PUSH_STAMP_KEY } from "../../src/core/push-stamp.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const app = createApp();
/** KV keys by their first letter (file-record.ts): a file's record, its directory's detail pack, a listing, a per-file detail record (before packs). */
const KINDS: Record<string, string> = { f: "record", p: "pack", l: "listing", d: "detail" };
const mirrors = [mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })];

/** A fresh isolate's view of the real bindings (its caches are keyed by the binding), counting what it reads. */
function counted() {
  const reads = { kv: [] as string[], d1: [] as string[] };
  const INDEX = new Proxy(env.INDEX, {
    get(target, prop) {
      if (prop === "get")
        return (k: string, ...a: unknown[]) => (
          reads.kv.push(k === MIRROR_TABLE_KEY || k === HEALTH_KEY || k === PUSH_STAMP_KEY ? k : (KINDS[k[0]!] ?? k)),
          (target.get as (...x: unknown[]) => unknown)(k, ...a)
        );
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare") return (q: string) => (reads.d1.push(q), target.prepare(q));
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const e = { ...env, INDEX, DB, STATS_STORE: "off", MIRROR_TABLE_TTL_SECONDS: "60", FILE_RECORD_TTL_SECONDS: "15" } as Env;
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`https://get.test/${path}`, { redirect: "manual", headers: { "x-debug-country": "DE", ...headers } }), e, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
  /** The reads of one request, the table's own reads (table, health, stamp) left out: once a minute per isolate. */
  const readsOf = async (path: string, headers: Record<string, string> = {}) => {
    reads.kv.length = 0;
    reads.d1.length = 0;
    const res = await get(path, headers);
    await res.arrayBuffer();
    return { status: res.status, kv: reads.kv.filter((k) => k !== MIRROR_TABLE_KEY && k !== HEALTH_KEY && k !== PUSH_STAMP_KEY), d1: reads.d1.length };
  };
  return { readsOf };
}

/** The last push's stamp, and the table (its generation may be much older). */
async function pushedAt(ms: number, policy = {}) {
  await env.INDEX.put(MIRROR_TABLE_KEY, JSON.stringify(packMirrorTable(table(mirrors, policy, "2026-01-01T00:00:00.000Z"))));
  await env.INDEX.put(PUSH_STAMP_KEY, JSON.stringify({ at: ms }));
}

describe("reads per answer with KV healthy", () => {
  beforeEach(async () => {
    await seed(
      table(mirrors),
      { "releases/a.iso": file([1]), "releases/c.iso": file([1]), "old/b.iso": file([1]) },
      { details: { "releases/a.iso": { sha512: "44".repeat(64) }, "releases/c.iso": { sha512: "55".repeat(64) } } },
    );
    // Only in D1, as a file of a push whose KV writes have not arrived here yet.
    await env.DB.prepare("INSERT INTO files (path, size, mtime, changed_at, mirrors, sha256) VALUES ('releases/new.iso', 5, 1762000000, 1762000000, X'02', ?)")
      .bind("ab".repeat(32))
      .run();
  });

  it("long after the last push: one KV read per key an answer needs, none for a repeat, and no D1 read even for a miss", async () => {
    await pushedAt(Date.now() - 3600_000);
    const { readsOf } = counted();
    expect(await readsOf("releases/a.iso")).toEqual({ status: 302, kv: ["record"], d1: 0 });
    expect(await readsOf("releases/a.iso")).toEqual({ status: 302, kv: [], d1: 0 });
    // A derived path is first a file of its own (an origin may publish a.iso.sha256); the base record is cached.
    expect(await readsOf("releases/a.iso.sha256")).toEqual({ status: 200, kv: ["record"], d1: 0 });
    // A Metalink needs the SHA-512 and pieces too: the directory's detail pack.
    expect(await readsOf("releases/a.iso.meta4")).toEqual({ status: 200, kv: ["record", "pack"], d1: 0 });
    // Another file of the same directory (a package manager's next package): the pack is the isolate's already.
    expect(await readsOf("releases/c.iso.meta4")).toEqual({ status: 200, kv: ["record", "record"], d1: 0 });
    // A directory without a pack (pushed before packs, or no file with hashes): the file's own detail key too.
    // (A derived path is first looked up as a file of its own, and old/b.iso was not read before.)
    expect(await readsOf("old/b.iso.meta4")).toEqual({ status: 200, kv: ["record", "record", "pack", "detail"], d1: 0 });
    // An unknown path goes to the origin, after asking whether it is a directory; its derived documents are 404s.
    const unknown = { "nope/x.iso": [302, ["record", "listing"]], "nope/x.iso.meta4": [404, ["record"]], "nope/x.iso.mirrorlist": [404, ["record"]] } as const;
    for (const [path, [status, kv]] of Object.entries(unknown)) {
      expect(await readsOf(path), path).toEqual({ status, kv, d1: 0 });
      // Asked again within seconds: the isolate remembers KV's misses.
      expect(await readsOf(path), path).toEqual({ status, kv: [], d1: 0 });
    }
  });

  it("while a push is propagating, a derived document's KV misses are confirmed in D1, and the file found there", async () => {
    await pushedAt(Date.now() - 10_000);
    const { readsOf } = counted();
    const r = await readsOf("releases/new.iso.sha256");
    expect(r.status).toBe(200);
    expect(r.d1).toBeGreaterThan(0);
    // A download is not confirmed: the origin has every file the index has.
    expect(await readsOf("releases/new.iso")).toMatchObject({ status: 302, d1: 0 });
  });

  it("once the window has passed, the same miss is answered from KV alone", async () => {
    await pushedAt(Date.now() - PROPAGATION_WINDOW_MS - 1000);
    const { readsOf } = counted();
    expect(await readsOf("releases/new.iso.sha256")).toEqual({ status: 404, kv: ["record", "record"], d1: 0 });
  });

  it("with unknown_paths = 404, an unknown path is our own 404 without a D1 read outside the window", async () => {
    await pushedAt(Date.now() - 3600_000, { unknownPaths: "404" });
    const { readsOf } = counted();
    expect(await readsOf("nope/y.iso")).toEqual({ status: 404, kv: ["record", "listing"], d1: 0 });
    // A browser's page looks for the nearest listed directory: a few ancestors at most, then cached.
    const html = { accept: "text/html" };
    expect(await readsOf("a/b/c/d/e/f/z.iso", html)).toEqual({ status: 404, kv: ["record", "listing", ...Array(MAX_ANCESTORS_ASKED).fill("listing")], d1: 0 });
    expect(await readsOf("a/b/c/d/e/f/z.iso", html)).toEqual({ status: 404, kv: [], d1: 0 });
  });
});
