/**
 * The remote target: Cloudflare's D1 and KV through the official API client (the `cloudflare`
 * package), with the database and namespace ids from wrangler.toml's environment. Credentials come
 * from CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID, as for wrangler; this code never logs or
 * stores them. CLOUDFLARE_BASE_URL points the client elsewhere (the tests' loopback stand-in).
 */

import Cloudflare from "cloudflare";
import { applyMigrations } from "./migrations.js";
import type { IndexStore, KvEntry, StoreLimits } from "./store.js";
import type { Target } from "./target.js";
import { bindingsOf } from "./wrangler-config.js";

/**
 * KV's bulk API takes 10,000 pairs and 100 MB per request; 16 MiB keeps memory low. D1 runs one
 * /query request as one batch; its statements stay under D1's 100 KB statement limit (sql.ts), and a
 * request is kept near 1 MiB so one slow request never holds a push for long.
 */
const LIMITS: StoreLimits = { kvEntries: 10_000, kvBytes: 16 * 1024 * 1024, d1Statements: 1_000, d1Bytes: 1024 * 1024, parallel: 4 };

export class RemoteStoreError extends Error {}

export function openRemoteStore(t: Target, env: NodeJS.ProcessEnv = process.env): IndexStore {
  const token = env.CLOUDFLARE_API_TOKEN;
  const account = env.CLOUDFLARE_ACCOUNT_ID;
  if (!token || !account)
    throw new RemoteStoreError("--remote needs CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID in the environment (a token with D1 edit and Workers KV edit)");
  const b = bindingsOf(t);
  const client = new Cloudflare({ apiToken: token, baseURL: env.CLOUDFLARE_BASE_URL || undefined, maxRetries: 3, timeout: 120_000 });
  const what = (op: string) => `Cloudflare API ${op} (database ${b.databaseName} ${b.databaseId}, namespace ${b.namespaceId})`;
  const failed = (op: string, err: unknown) =>
    new RemoteStoreError(`${what(op)} failed: ${err instanceof Error ? err.message : String(err)}; run the push again, it resumes`);
  const checked = (op: string, r: { unsuccessful_keys?: string[] } | null) => {
    const bad = r?.unsuccessful_keys ?? [];
    if (bad.length)
      throw new RemoteStoreError(`${what(op)}: ${bad.length} keys were not written (first: ${JSON.stringify(bad[0])}); run the push again, it resumes`);
  };
  const run = async <T>(params: { sql: string } | { batch: { sql: string }[] }): Promise<T[]> => {
    try {
      const out: T[] = [];
      for await (const r of client.d1.database.query(b.databaseId, { account_id: account, ...params })) out.push(...((r.results ?? []) as T[]));
      return out;
    } catch (err) {
      throw failed("D1 query", err);
    }
  };
  const store: IndexStore = {
    kind: "remote",
    where: `Cloudflare (database ${b.databaseName}, KV namespace ${b.namespaceId})`,
    limits: LIMITS,
    query: (sql) => run({ sql }),
    batch: async (statements) => {
      // One request is one D1 batch: its statements run in order, in one transaction.
      if (statements.length) await run({ batch: statements.map((sql) => ({ sql })) });
    },
    migrate: () => applyMigrations(store),
    kvPut: async (entries: KvEntry[]) => {
      if (!entries.length) return;
      const body = entries.map((e) =>
        typeof e.value === "string" ? { key: e.key, value: e.value } : { key: e.key, value: Buffer.from(e.value).toString("base64"), base64: true },
      );
      let r;
      try {
        r = await client.kv.namespaces.bulkUpdate(b.namespaceId, { account_id: account, body });
      } catch (err) {
        throw failed("KV bulk write", err);
      }
      checked("KV bulk write", r);
    },
    kvDelete: async (keys) => {
      if (!keys.length) return;
      let r;
      try {
        r = await client.kv.namespaces.bulkDelete(b.namespaceId, { account_id: account, body: keys });
      } catch (err) {
        throw failed("KV bulk delete", err);
      }
      checked("KV bulk delete", r);
    },
    close: async () => {},
  };
  return store;
}
