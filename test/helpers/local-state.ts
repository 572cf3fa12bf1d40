/** Everything in a local D1/KV state directory, read through Miniflare, for comparing two stores byte for byte. */

import path from "node:path";
import { Miniflare } from "miniflare";
import { bindingsOf } from "../../scripts/store/wrangler-config.js";

export async function dumpLocalState(persistTo: string): Promise<{ d1: Record<string, unknown[]>; kv: Record<string, string> }> {
  const b = bindingsOf({});
  const mf = new Miniflare({
    resourcePersistencePath: path.join(persistTo, "v3"),
    workers: [
      {
        config: {
          name: "reader",
          compatibilityDate: "2026-11-01",
          manifest: { mainModule: "r.js", modules: { "r.js": { type: "esm", contents: "export default { fetch() { return new Response(null) } }" } } },
          env: { DB: { type: "d1", id: b.databaseId }, INDEX: { type: "kv", id: b.namespaceId } },
        },
      },
    ],
  });
  try {
    const db = await mf.getD1Database("DB");
    const kvns = await mf.getKVNamespace("INDEX");
    const d1: Record<string, unknown[]> = {};
    for (const t of ["mirrors", "files", "file_pieces", "meta", "d1_migrations"]) {
      const cols =
        t === "file_pieces"
          ? "f.path, p.piece_size, hex(p.hashes) AS hashes, p.sha256 FROM file_pieces p JOIN files f ON f.id = p.file_id ORDER BY f.path"
          : t === "files"
            ? "path, size, mtime, changed_at, md5, sha1, sha256, sha512, hex(mirrors) AS m, repo_meta FROM files ORDER BY path"
            : t === "d1_migrations"
              ? "name FROM d1_migrations ORDER BY name"
              : `* FROM ${t} ORDER BY 1`;
      d1[t] = (await db.prepare(`SELECT ${cols}`).all()).results;
    }
    const kv: Record<string, string> = {};
    let cursor: string | undefined;
    do {
      const page = await kvns.list(cursor ? { cursor } : {});
      for (const k of page.keys) kv[k.name] = Buffer.from((await kvns.get(k.name, "arrayBuffer"))!).toString("hex");
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
    return { d1, kv };
  } finally {
    await mf.dispose();
  }
}
