/**
 * The redirect as clients see it on the wire: the real Worker bundle on local workerd (Miniflare),
 * read with node:http and raw sockets so that repeated header lines are seen one by one.
 */

import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalEdge, startLocalEdge } from "../../scripts/lib/local-edge.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { writeIndex } from "../../scripts/lib/write-index.js";

let edge: LocalEdge;
const ISO = "releases/1.0/foo.iso";

beforeAll(async () => {
  edge = await startLocalEdge({ vars: { MIRROR_TABLE_TTL_SECONDS: "0", FILE_RECORD_TTL_SECONDS: "0" } });
  const ms = [
    mirror({ id: 1, name: "de1", country: "DE", continent: "EU" }),
    mirror({ id: 2, name: "fr1", country: "FR", continent: "EU" }),
    mirror({ id: 3, name: "us1", country: "US", continent: "NA" }),
  ];
  await writeIndex(edge, table(ms), { [ISO]: file([1, 2, 3]) });
});
afterAll(() => edge?.dispose());

function request(method: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; raw: [string, string][]; body: string }>((resolve, reject) => {
    const req = http.request(new URL(path, edge.url).href, { method, headers }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        const raw: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) raw.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
        resolve({ status: res.statusCode!, raw, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** Sends bytes exactly as given: no client-side URL normalisation. */
function rawRequest(requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(edge.url.port), "127.0.0.1");
    let data = "";
    sock.on("data", (c) => (data += c));
    sock.on("end", () => resolve(data));
    sock.on("error", reject);
    sock.write(`${requestLine}\r\nHost: get.test\r\nx-debug-country: DE\r\nConnection: close\r\n\r\n`);
  });
}

describe("on the wire", () => {
  it("Digest lines stand alone; workerd folds the Link lines into one RFC 8288 list, describedby first", async () => {
    const h = { "x-debug-country": "DE", "x-debug-ip": "203.0.113.9" };
    const res = await request("GET", `/${ISO}`, h);
    expect(res.status).toBe(302);
    const lines = (name: string) => res.raw.filter(([n]) => n === name).map(([, v]) => v);
    const explain = (await (await fetch(new URL(`/_mirrorhop/explain/${ISO}`, edge.url), { headers: h })).json()) as {
      candidates: { url: string; country: string }[];
    };
    const expectedLinks = [
      `<${edge.url.origin}/${ISO}.meta4>; rel=describedby; type="application/metalink4+xml"`,
      ...explain.candidates.map((c, i) => `<${c.url}>; rel=duplicate; pri=${i + 1}; geo=${c.country.toLowerCase()}`),
    ];
    expect(expectedLinks).toHaveLength(4);
    // workerd's HTTP layer (kj::HttpHeaders) concatenates every header in its common-header table,
    // and Link is one of them: one line, comma-separated, which RFC 8288 §3 defines as equivalent.
    // describedby comes first: a client that reads one link per line (wget2) finds the Metalink.
    expect(lines("link")).toEqual([expectedLinks.join(", ")]);
    expect(lines("digest")).toEqual([
      "SHA-256=MzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzMzM=",
      "SHA=IiIiIiIiIiIiIiIiIiIiIiIiIiI=",
      "MD5=EREREREREREREREREREREQ==",
    ]);
    expect(lines("location")).toEqual([explain.candidates[0]!.url]);
    expect(lines("cache-control")).toEqual(["private, no-store"]);
    expect(lines("x-mirrorhop-mirror")).toEqual(["de1"]);
    expect(lines("x-mirrorhop-tier")).toEqual(["country"]);
  });

  it("HEAD sends the same header lines as GET and no body", async () => {
    const h = { "x-debug-country": "DE", "x-debug-ip": "203.0.113.9" };
    const g = await request("GET", `/${ISO}`, h);
    const hd = await request("HEAD", `/${ISO}`, h);
    // HEAD may omit Content-Length: 0 of the empty GET body; everything else must match line for line.
    const strip = (raw: [string, string][]) => raw.filter(([n]) => n !== "date" && n !== "content-length");
    expect(hd.status).toBe(302);
    expect(strip(hd.raw)).toEqual(strip(g.raw));
    expect(hd.body).toBe("");
  });

  it.each([
    // workerd resolves dot segments (WHATWG URL rules) before the Worker runs, clamping at the
    // root: the Worker sees /etc/passwd, which the index does not hold, so it goes to the origin's
    // own tree (the origin answers 404 for what it lacks), never above it.
    ["GET /releases/../../etc/passwd HTTP/1.1", /^HTTP\/1\.1 302 [^]*\r\nlocation: http:\/\/127\.0\.0\.1:8080\/etc\/passwd\r\n/i],
    ["GET /releases/%2e%2e/%2e%2e/etc/passwd HTTP/1.1", /^HTTP\/1\.1 302 [^]*\r\nlocation: http:\/\/127\.0\.0\.1:8080\/etc\/passwd\r\n/i],
  ])("%s names a path inside the origin's tree", async (line, status) => {
    const res = await rawRequest(line);
    expect(res).toMatch(status);
    expect(res).toMatch(/\r\nx-mirrorhop-tier: unknown-path\r\n/i);
  });

  it.each([
    ["GET //evil.example/releases/1.0/foo.iso HTTP/1.1", /^HTTP\/1\.1 400/],
    ["GET /releases/1.0/foo.iso%0d%0aX-Injected:%201 HTTP/1.1", /^HTTP\/1\.1 400/],
    ["GET /releases/1.0/foo%2f..%2f..%2fx HTTP/1.1", /^HTTP\/1\.1 400/],
  ])("%s is refused, never redirected", async (line, status) => {
    const res = await rawRequest(line);
    expect(res).toMatch(status);
    expect(res).not.toMatch(/\r\nlocation:/i);
    expect(res).not.toMatch(/\r\nx-injected/i);
  });
});
