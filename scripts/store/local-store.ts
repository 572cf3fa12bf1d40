/**
 * The local target: the D1 and KV state `wrangler dev` serves, written through Miniflare's own
 * bindings on the same persistence directory (wrangler's layout: <persist>/v3, the database and
 * namespace ids from wrangler.toml). A small writer Worker runs next to the bindings, so a bulk of
 * ten thousand KV entries is one request into workerd instead of ten thousand.
 */

import path from "node:path";
import { Miniflare } from "miniflare";
import { ROOT } from "../lib/root.js";
import { applyMigrations } from "./migrations.js";
import type { IndexStore, KvEntry, StoreLimits } from "./store.js";
import type { Target } from "./target.js";
import { bindingsOf } from "./wrangler-config.js";

const WRITER = `
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]); };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
export default {
  async fetch(req, env) {
    const op = new URL(req.url).pathname;
    const body = await req.json();
    try {
      if (op === "/kv/put") await pool(body, 32, (e) => env.INDEX.put(e.key, e.b64 ? b64(e.value) : e.value));
      else if (op === "/kv/delete") await pool(body, 32, (k) => env.INDEX.delete(k));
      else if (op === "/d1/batch") await env.DB.batch(body.map((s) => env.DB.prepare(s)));
      else if (op === "/d1/query") return Response.json((await env.DB.prepare(body.sql).all()).results);
      else return new Response("unknown operation " + op, { status: 404 });
      return new Response(null, { status: 204 });
    } catch (err) {
      return new Response(String(err && err.stack || err), { status: 500 });
    }
  },
};
`;

const LIMITS: StoreLimits = { kvEntries: 10_000, kvBytes: 16 * 1024 * 1024, d1Statements: 5_000, d1Bytes: 16 * 1024 * 1024, parallel: 1 };

/** wrangler's rule: --persist-to as given (relative to the caller), else .wrangler/state beside wrangler.toml. */
export function localPersistPath(t: Target): string {
  const configDir = t.wranglerConfig ? path.dirname(path.resolve(t.wranglerConfig)) : ROOT;
  return t.persistTo ? path.resolve(t.persistTo) : path.join(configDir, ".wrangler/state");
}

export async function openLocalStore(t: Target): Promise<IndexStore> {
  const b = bindingsOf(t);
  const persist = localPersistPath(t);
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    resourcePersistencePath: path.join(persist, "v3"),
    workers: [
      {
        config: {
          name: "mirrorhop-writer",
          compatibilityDate: "2026-11-01",
          manifest: { mainModule: "writer.js", modules: { "writer.js": { type: "esm", contents: WRITER } } },
          env: { DB: { type: "d1", id: b.databaseId }, INDEX: { type: "kv", id: b.namespaceId } },
        },
      },
    ],
  });
  await mf.ready;
  const call = async (op: string, body: unknown) => {
    const res = await mf.dispatchFetch(`http://writer${op}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
    if (!res.ok) throw new Error(`local ${op} failed (${persist}): ${(await res.text()).split("\n").slice(0, 5).join("\n")}`);
    return res;
  };
  const store: IndexStore = {
    kind: "local",
    where: `local state in ${persist}`,
    limits: LIMITS,
    query: async <T>(sql: string) => (await (await call("/d1/query", { sql })).json()) as T[],
    batch: async (statements) => {
      if (statements.length) await (await call("/d1/batch", statements)).body?.cancel();
    },
    migrate: () => applyMigrations(store),
    kvPut: async (entries: KvEntry[]) => {
      const body = entries.map((e) =>
        typeof e.value === "string" ? { key: e.key, value: e.value } : { key: e.key, value: Buffer.from(e.value).toString("base64"), b64: true },
      );
      if (body.length) await (await call("/kv/put", body)).body?.cancel();
    },
    kvDelete: async (keys) => {
      if (keys.length) await (await call("/kv/delete", keys)).body?.cancel();
    },
    close: () => mf.dispose(),
  };
  return store;
}
