/**
 * A small static file server for loopback mirrors in the demo and the end-to-end tests: GET and
 * HEAD, byte ranges (aria2c splits downloads), and an nginx-style autoindex for directories (what
 * the HTTP scanner reads). It can be stopped and started again on the same port, to play a mirror
 * going down. Not for production: it serves whatever is under its root.
 */

import { createReadStream } from "node:fs";
import { realpathSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";

export interface StaticServer {
  url: string;
  port: number;
  root: string;
  /** Every request answered, when started with `accessLog` (what the tests read to see who served what). */
  log: AccessEntry[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface AccessEntry {
  method: string;
  path: string;
  status: number;
  /** Body bytes sent. */
  bytes: number;
}

/** `host` "::" listens on both families (IPv4-mapped), "::1" on IPv6 loopback only; 127.0.0.1 by default. */
export async function startStaticServer(root: string, port = 0, host = "127.0.0.1", opts: { accessLog?: boolean } = {}): Promise<StaticServer> {
  let server: http.Server | null = null;
  const self: StaticServer = {
    url: "",
    port,
    root,
    log: [],
    async start() {
      server = http.createServer((req, res) => {
        if (opts.accessLog) {
          let bytes = 0;
          const write = res.write.bind(res);
          res.write = ((chunk: Buffer | string, ...rest: never[]) => {
            bytes += Buffer.byteLength(chunk);
            return write(chunk, ...rest);
          }) as typeof res.write;
          const end = res.end.bind(res);
          res.end = ((chunk?: unknown, ...rest: never[]) => {
            if (typeof chunk === "string" || Buffer.isBuffer(chunk)) bytes += Buffer.byteLength(chunk);
            return end(chunk as string, ...rest);
          }) as typeof res.end;
          res.once("finish", () =>
            self.log.push({ method: req.method ?? "", path: decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname), status: res.statusCode, bytes }),
          );
        }
        serve(root, req, res).catch(() => {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        });
      });
      server.keepAliveTimeout = 1000;
      await new Promise<void>((resolve, reject) => {
        server!.once("error", reject);
        server!.listen({ port: self.port, host, ipv6Only: false }, resolve);
      });
      self.port = (server.address() as AddressInfo).port;
      self.url = `http://${host.includes(":") ? `[${host === "::" ? "::1" : host}]` : host}:${self.port}/`;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await self.start();
  return self;
}

async function serve(root: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { Allow: "GET, HEAD" }).end();
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const full = path.join(root, rel);
  if (!full.startsWith(path.resolve(root))) {
    res.writeHead(403).end();
    return;
  }
  // Symlinks that leave the root are not served (a mirror's tree must not expose the host).
  const real = await realpath(full).catch(() => null);
  const st = real && inside(root, real) ? await stat(real).catch(() => null) : null;
  if (!st) {
    res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    return;
  }
  if (st.isDirectory()) {
    if (!rel.endsWith("/")) {
      res.writeHead(301, { Location: rel + "/" }).end();
      return;
    }
    const body = await autoindex(root, full, rel);
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
    return;
  }
  const headers: http.OutgoingHttpHeaders = {
    "Accept-Ranges": "bytes",
    "Last-Modified": st.mtime.toUTCString(),
    "Content-Type": "application/octet-stream",
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  let start = 0;
  let end = st.size - 1;
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1]);
      if (range[2]) end = Math.min(end, Number(range[2]));
    } else {
      start = Math.max(0, st.size - Number(range[2]));
    }
    if (start > end || start >= st.size) {
      res.writeHead(416, { "Content-Range": `bytes */${st.size}` }).end();
      return;
    }
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${start}-${end}/${st.size}`, "Content-Length": end - start + 1 });
  } else {
    res.writeHead(200, { ...headers, "Content-Length": st.size });
  }
  if (req.method === "HEAD" || st.size === 0) {
    res.end();
    return;
  }
  createReadStream(full, { start, end }).pipe(res);
}

/** The nginx autoindex layout: name link padded to 50 columns, date, size in bytes. */
async function autoindex(root: string, dir: string, rel: string): Promise<string> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const lines: string[] = [];
  for (const e of entries) {
    const real = await realpath(path.join(dir, e.name)).catch(() => null);
    if (!real || !inside(root, real)) continue;
    const st = await stat(real).catch(() => null);
    if (!st) continue;
    const isDir = st.isDirectory();
    const name = e.name + (isDir ? "/" : "");
    const d = st.mtime;
    const mon = d.toLocaleString("en-US", { month: "short", timeZone: "UTC" });
    const date = `${String(d.getUTCDate()).padStart(2, "0")}-${mon}-${d.getUTCFullYear()} ${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
    const esc = name.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    lines.push(
      `<a href="${encodeURIComponent(e.name)}${isDir ? "/" : ""}">${esc}</a>${" ".repeat(Math.max(1, 51 - name.length))}${date}${isDir ? "                   -" : String(st.size).padStart(20)}`,
    );
  }
  const title = rel.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<html>\r\n<head><title>Index of ${title}</title></head>\r\n<body>\r\n<h1>Index of ${title}</h1><hr><pre><a href="../">../</a>\r\n${lines.join("\r\n")}\r\n</pre><hr></body>\r\n</html>\r\n`;
}

function inside(root: string, real: string): boolean {
  const r = realRoot(root);
  return real === r || real.startsWith(r + path.sep);
}

const roots = new Map<string, string>();
function realRoot(root: string): string {
  let r = roots.get(root);
  if (!r) roots.set(root, (r = realpathSync(root)));
  return r;
}
