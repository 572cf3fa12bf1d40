/**
 * Where the scanner's own requests may go: it runs on a CI runner inside somebody's network, so a
 * mirror must not be able to point it at another address. Real servers on two loopback hosts.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { head } from "../../scripts/scan/http.js";

let mirror: Server;
let other: Server;
let mirrorUrl: string;
let otherUrl: string;
const otherHits: string[] = [];

function listen(s: Server, host: string): Promise<string> {
  return new Promise((r) => s.listen(0, host, () => r(`http://${host}:${(s.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  other = createServer((req, res) => {
    otherHits.push(req.url!);
    res.writeHead(200, { "Content-Length": "5" }).end();
  });
  otherUrl = await listen(other, "127.0.0.2");
  mirror = createServer((req, res) => {
    if (req.url === "/elsewhere.iso") return void res.writeHead(302, { Location: `${otherUrl}/metadata` }).end();
    if (req.url === "/moved.iso") return void res.writeHead(301, { Location: "/real/moved.iso" }).end();
    if (req.url === "/real/moved.iso") return void res.writeHead(200, { "Content-Length": "1234" }).end();
    if (req.url === "/loop.iso") return void res.writeHead(302, { Location: "/loop.iso" }).end();
    res.writeHead(404).end();
  });
  mirrorUrl = await listen(mirror, "127.0.0.1");
});
afterAll(async () => {
  for (const s of [mirror, other]) await new Promise<void>((r) => s.close(() => r()));
});

describe("scanner HEAD requests", () => {
  const signal = () => AbortSignal.timeout(5000);

  it("follow redirects on the mirror's own host, as a client would", async () => {
    expect(await head(`${mirrorUrl}/moved.iso`, signal())).toEqual({ status: 200, length: 1234 });
  });

  it("never follow a redirect to another host: the 3xx is the answer, and the other host sees nothing", async () => {
    expect(await head(`${mirrorUrl}/elsewhere.iso`, signal())).toEqual({ status: 302, length: null });
    expect(otherHits).toEqual([]);
  });

  it("stop after a bounded number of hops", async () => {
    expect((await head(`${mirrorUrl}/loop.iso`, signal()))?.status).toBe(302);
  });
});
