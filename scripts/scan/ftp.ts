/** FTP mirrors through basic-ftp: MLSD where the server has it (exact times), LIST otherwise. */

import { Client, type FileInfo } from "basic-ftp";
import { ListingError, type ListingSink, type ListOptions, tooManyEntries } from "./listing.js";

export async function listFtp(baseUrl: string, opts: ListOptions, sink: ListingSink): Promise<void> {
  const u = new URL(baseUrl);
  // Transfers only from the host the mirror names (a PASV reply cannot point the scanner at
  // another address), and a listing bounded while it is read, like an HTTP page.
  const client = new Client(60_000, { allowSeparateTransferHost: false, maxListingBytes: 64 * 1024 * 1024 });
  const onAbort = () => client.close();
  opts.signal.addEventListener("abort", onAbort);
  try {
    await client.access({
      host: u.hostname,
      port: u.port ? Number(u.port) : 21,
      user: u.username ? decodeURIComponent(u.username) : "anonymous",
      password: u.password ? decodeURIComponent(u.password) : "mirrorhop@",
      secure: false,
    });
    const root = decodeURIComponent(u.pathname).replace(/\/?$/, "/");
    const walk = async (rel: string, depth: number): Promise<void> => {
      if (depth > opts.maxDepth) throw new ListingError(baseUrl + rel, `deeper than scan.max_depth (${opts.maxDepth}); a loop?`);
      const list: FileInfo[] = await client.list(root + rel);
      for (const f of list) {
        if (f.name === "." || f.name === ".." || f.name.includes("/")) continue;
        const path = rel ? `${rel.replace(/\/$/, "")}/${f.name}` : f.name;
        if (f.isDirectory) {
          if (!opts.wantDir || opts.wantDir(path)) await walk(path + "/", depth + 1);
        } else if (f.isFile) {
          if (sink.added >= opts.maxEntries) throw tooManyEntries(baseUrl, opts.maxEntries);
          const precise = f.modifiedAt !== undefined && !Number.isNaN(f.modifiedAt.getTime());
          const listed = precise ? { mtime: Math.floor(f.modifiedAt!.getTime() / 1000), res: 1 } : parseListDate(f.rawModifiedAt);
          sink.add({ path, size: f.size, ...(listed ? { mtime: listed.mtime } : {}), mtimeRes: listed?.res ?? 1 });
        }
      }
    };
    await walk(opts.subtree ? opts.subtree.replace(/\/?$/, "/") : "", 0);
  } catch (err) {
    if (err instanceof ListingError) throw err;
    throw new ListingError(baseUrl, opts.signal.aborted ? "timed out" : `FTP: ${(err as Error).message}`);
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
    client.close();
  }
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/**
 * A Unix LIST date: "Nov 01 12:00" (the last six months: minute resolution, year implied) or
 * "Nov 01  2026" (older: day resolution). Taken as UTC, as MLSD times are.
 */
export function parseListDate(raw: string | undefined, now = Date.now()): { mtime: number; res: number } | undefined {
  const m = /^([A-Z][a-z]{2})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec((raw ?? "").trim());
  if (!m || MONTHS[m[1]!] === undefined) return undefined;
  if (m[5]) return { mtime: Date.UTC(+m[5], MONTHS[m[1]!]!, +m[2]!) / 1000, res: 86400 };
  let year = new Date(now).getUTCFullYear();
  let t = Date.UTC(year, MONTHS[m[1]!]!, +m[2]!, +m[3]!, +m[4]!);
  // A time without a year is within the last six months: a date after tomorrow is last year's.
  if (t > now + 86_400_000) t = Date.UTC(--year, MONTHS[m[1]!]!, +m[2]!, +m[3]!, +m[4]!);
  return { mtime: t / 1000, res: 60 };
}
