/**
 * The probe's GET from Node, over one chosen address family: resolve the host, keep the addresses
 * of that family, connect to the first. This is what the edge cannot do (its fetch picks the family),
 * and what catches a mirror that publishes an AAAA record but does not listen on IPv6.
 */

import { lookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import type { FetchText } from "../../src/health/probe.js";

export type LookupAll = (host: string) => Promise<{ address: string; family: number }[]>;

export const systemLookup: LookupAll = (host) => lookup(host, { all: true });

const MAX_BYTES = 4096;

export function nodeFetchText(family: 4 | 6 | null, lookupAll: LookupAll = systemLookup): FetchText {
  return async (url, timeoutMs) => {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, "");
    const all = await lookupAll(host);
    const addrs = family === null ? all : all.filter((a) => a.family === family);
    if (!addrs.length) throw new Error(`no IPv${family} address for ${host}`);
    const mod = u.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.get(
        {
          host: addrs[0]!.address,
          port: u.port || (u.protocol === "https:" ? 443 : 80),
          path: u.pathname + u.search,
          headers: { Host: u.host, "User-Agent": "mirrorhop-probe" },
          servername: host,
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on("data", (c: Buffer) => {
            chunks.push(c);
            bytes += c.length;
            if (bytes >= MAX_BYTES) res.destroy();
          });
          // Redirects are not followed here: probeTrace follows them within the mirror's base URLs.
          const location = typeof res.headers.location === "string" ? res.headers.location : null;
          const done = () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).subarray(0, MAX_BYTES).toString("utf8"), location });
          res.on("end", done);
          res.on("close", done);
        },
      );
      req.on("error", reject);
    });
  };
}
