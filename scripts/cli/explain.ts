/** `mirrorhop explain`: the Worker's selection, run offline on the index the next push would write. */

import { canonicalisePath } from "../../src/core/path.js";
import { clientFromRequest } from "../../src/http/client-info.js";
import { compileTable } from "../../src/selection/compiled-table.js";
import { selectMirror } from "../../src/selection/select.js";
import type { Config } from "../config/schema.js";
import { buildIndex } from "../push/index-build.js";
import type { StateDb } from "../state/db.js";

export function explainOffline(db: StateDb, config: Config, rawPath: string, o: Record<string, string | undefined>) {
  const canon = canonicalisePath(rawPath.startsWith("/") ? rawPath : "/" + rawPath);
  if (!canon.ok) return { error: canon.reason };
  const index = buildIndex(db, config);
  const file = index.files.find((f) => f.path === canon.path);
  if (!file) return { path: canon.path, error: "not in the origin index (scan origin first?)" };
  // The same client parsing as the Worker's debug headers, so both explain the same way.
  const headers = new Headers();
  for (const k of ["country", "continent", "asn", "ip", "lat", "lon"]) if (o[k]) headers.set(`x-debug-${k}`, o[k]!);
  const client = clientFromRequest(() => undefined, headers, true);
  const table = compileTable({ ...index.table, generation: "offline" });
  const d = selectMirror(table, file.record, { path: canon.path, now: Math.floor(Date.now() / 1000), scheme: o.scheme === "http" ? "http" : "https", client, avoid: (o.avoid ?? "").split(",").filter(Boolean).map((s) => s.toUpperCase()) }, { listNonHolders: true });
  return {
    path: canon.path,
    client: { ...client, ip: client.ipText, ipText: undefined },
    target: d.winner ? "mirror" : "origin",
    ...(d.originReason ? { reason: d.originReason } : {}),
    location: d.winner?.url ?? config.origin.url + canon.path,
    candidates: d.ranked.map((r, i) => ({ rank: i + 1, name: r.mirror.name, tier: r.tier, url: r.url, weight: r.weight, score: r.score })),
    excluded: d.excluded.map((e) => ({ name: e.mirror.name, reason: e.reason })),
  };
}
