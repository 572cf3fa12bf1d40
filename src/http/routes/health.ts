import type { Context } from "hono";
import { MIRROR_TABLE_KEY } from "../../core/file-record.js";
import type { Env } from "../../env.js";
import { getMirrorTable } from "../../storage/mirror-table.js";
import { NO_STORE } from "../responses.js";

/**
 * Liveness and storage reachability. "degraded" (one store failing) still answers 200: downloads
 * are being served. Only with no mirror table at all is it 503, since every download then goes to the origin.
 */
export async function healthRoute(c: Context<{ Bindings: Env }>): Promise<Response> {
  const probe = async (f: () => Promise<unknown>) => {
    try {
      await f();
      return true;
    } catch {
      return false;
    }
  };
  const [kv, d1, table] = await Promise.all([
    probe(() => c.env.INDEX.get(MIRROR_TABLE_KEY, "text")),
    probe(() => c.env.DB.prepare("SELECT 1").first()),
    getMirrorTable(c.env),
  ]);
  const status = !table ? "down" : kv && d1 ? "ok" : "degraded";
  return c.json(
    {
      status,
      kv,
      d1,
      table: table ? { source: table.source, generation: table.table.generation, mirrors: table.table.mirrors.length } : null,
    },
    status === "down" ? 503 : 200,
    { "Cache-Control": NO_STORE },
  );
}
