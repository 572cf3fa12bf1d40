/** FTP mirrors through basic-ftp: MLSD where the server has it (exact times), LIST otherwise. */

import { Client, type FileInfo } from "basic-ftp";
import { type ListingEntry, ListingError, type ListOptions } from "./listing.js";

export async function listFtp(baseUrl: string, opts: ListOptions): Promise<ListingEntry[]> {
  const u = new URL(baseUrl);
  const client = new Client(60_000);
  const onAbort = () => client.close();
  opts.signal.addEventListener("abort", onAbort);
  const entries: ListingEntry[] = [];
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
        if (f.isDirectory) await walk(path + "/", depth + 1);
        else if (f.isFile) {
          if (entries.length >= opts.maxEntries) throw new ListingError(baseUrl, `listing has more than ${opts.maxEntries} entries; refused as hostile`);
          const precise = f.modifiedAt !== undefined && !Number.isNaN(f.modifiedAt.getTime());
          entries.push({ path, size: f.size, ...(precise ? { mtime: Math.floor(f.modifiedAt!.getTime() / 1000) } : {}), mtimeRes: 1 });
        }
      }
    };
    await walk(opts.subtree ? opts.subtree.replace(/\/?$/, "/") : "", 0);
    return entries;
  } catch (err) {
    if (err instanceof ListingError) throw err;
    throw new ListingError(baseUrl, opts.signal.aborted ? "timed out" : `FTP: ${(err as Error).message}`);
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
    client.close();
  }
}
