/**
 * A STAND-IN for Cloudflare's API, on loopback: the real API cannot be reached from here. It
 * answers the three endpoints the remote store uses (KV bulk write, KV bulk delete, D1 query) in
 * the API's envelope, checks the bearer token, the account and the resource ids, and keeps what
 * it is sent in local D1/KV state (through the project's local store), so a test can compare a
 * remote push with a local one byte for byte. Faults can be injected per endpoint.
 */

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { IndexStore, KvEntry } from "../../scripts/store/store.js";

export type Endpoint = "kv-put" | "kv-delete" | "d1-query";

export interface Fault {
  /** 500 from the server (the client retries), or a 200 that names keys as not written. */
  kind: "http-500" | "unsuccessful-keys";
  /** How many requests of the endpoint get it, from the next one on (after `skip`). */
  times: number;
  /** How many requests of the endpoint pass first, unharmed. */
  skip?: number;
}

export interface StandIn {
  /** The base URL to give the API client (CLOUDFLARE_BASE_URL). */
  baseUrl: string;
  requests: { endpoint: Endpoint; entries: number; at: number }[];
  /** Most requests in flight at once, per endpoint. */
  maxInFlight: Partial<Record<Endpoint, number>>;
  fault(endpoint: Endpoint, f: Fault): void;
  stop(): Promise<void>;
}

export interface StandInOptions {
  token: string;
  account: string;
  databaseId: string;
  namespaceId: string;
  /** Where the stand-in keeps what it is sent. */
  backing: IndexStore;
}

export async function startCloudflareStandIn(o: StandInOptions): Promise<StandIn> {
  const faults = new Map<Endpoint, Fault>();
  const inFlight = new Map<Endpoint, number>();
  const standIn: Omit<StandIn, "baseUrl" | "stop"> = {
    requests: [],
    maxInFlight: {},
    fault: (e, f) => void faults.set(e, { ...f }),
  };
  const send = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { "content-type": "application/json", "x-stand-in": "mirrorhop test stand-in, not Cloudflare" });
    res.end(JSON.stringify(body));
  };
  const ok = (res: ServerResponse, result: unknown) => send(res, 200, { success: true, errors: [], messages: [], result });
  const fail = (res: ServerResponse, status: number, code: number, message: string) =>
    send(res, status, { success: false, errors: [{ code, message }], messages: [], result: null });
  const kv = `/client/v4/accounts/${o.account}/storage/kv/namespaces/${o.namespaceId}/bulk`;
  const d1 = `/client/v4/accounts/${o.account}/d1/database/${o.databaseId}/query`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== `Bearer ${o.token}`) return fail(res, 403, 10000, "Authentication error");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
    const endpoint: Endpoint | null =
      req.method === "PUT" && req.url === kv
        ? "kv-put"
        : req.method === "POST" && req.url === `${kv}/delete`
          ? "kv-delete"
          : req.method === "POST" && req.url === d1
            ? "d1-query"
            : null;
    if (!endpoint) return fail(res, 404, 7003, `no route for ${req.method} ${req.url} (account, database or namespace id wrong?)`);
    const n = (inFlight.get(endpoint) ?? 0) + 1;
    inFlight.set(endpoint, n);
    standIn.maxInFlight[endpoint] = Math.max(standIn.maxInFlight[endpoint] ?? 0, n);
    try {
      standIn.requests.push({ endpoint, entries: Array.isArray(body) ? body.length : (body.batch?.length ?? 1), at: Date.now() });
      const f = faults.get(endpoint);
      const skipped = f?.skip ? (f.skip--, true) : false;
      const injected = f && !skipped && f.times > 0 ? (f.times--, f.kind) : null;
      if (injected === "http-500") return fail(res, 500, 10001, "stand-in: injected internal error");
      const partial = injected === "unsuccessful-keys";
      if (endpoint === "kv-put") {
        const entries: KvEntry[] = (body as { key: string; value: string; base64?: boolean }[]).map((e) => ({
          key: e.key,
          value: e.base64 ? new Uint8Array(Buffer.from(e.value, "base64")) : e.value,
        }));
        // A partial write: the first half lands, the rest is reported back, as the API does.
        const landed = partial ? entries.slice(0, Math.floor(entries.length / 2)) : entries;
        await o.backing.kvPut(landed);
        return ok(res, { successful_key_count: landed.length, unsuccessful_keys: entries.slice(landed.length).map((e) => e.key) });
      }
      if (endpoint === "kv-delete") {
        await o.backing.kvDelete(body as string[]);
        return ok(res, { successful_key_count: body.length, unsuccessful_keys: [] });
      }
      if (body.batch) {
        await o.backing.batch((body.batch as { sql: string }[]).map((q) => q.sql));
        return ok(
          res,
          body.batch.map(() => ({ results: [], success: true, meta: {} })),
        );
      }
      return ok(res, [{ results: await o.backing.query(body.sql), success: true, meta: {} }]);
    } catch (err) {
      return fail(res, 400, 7500, String(err instanceof Error ? err.message : err));
    } finally {
      inFlight.set(endpoint, inFlight.get(endpoint)! - 1);
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    ...standIn,
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  } as StandIn;
}
