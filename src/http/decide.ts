/** Glue between storage and the pure policy: what both the download route and explain run. */

import type { Scheme } from "../core/mirror.js";
import type { Env } from "../env.js";
import type { SelectionRequest } from "../selection/client.js";
import { type Decision, selectMirror } from "../selection/select.js";
import { type FileLookup, lookupFile, lookupFileInD1 } from "../storage/file-lookup.js";
import { pushPropagating } from "../core/push-stamp.js";
import { type LoadedTable, getMirrorTable } from "../storage/mirror-table.js";
import { clientFromRequest, type PlatformGeo } from "./client-info.js";
import { applyOverrides } from "./overrides.js";

export type Outcome =
  | { kind: "bad-request"; reason: string }
  /** The index has no such file; `originFallback`: the policy sends unknown paths to the origin. */
  | { kind: "not-found"; originFallback: boolean; table: LoadedTable | null; selection: SelectionRequest }
  /** A staged path not yet on enough mirrors: not served at all until it is. */
  | { kind: "staged"; holders: number; needed: number }
  /** Storage could not answer: the origin takes the request. */
  | { kind: "unavailable"; lookup: FileLookup; table: LoadedTable | null; selection: SelectionRequest }
  | { kind: "decided"; lookup: Extract<FileLookup, { kind: "found" }>; table: LoadedTable; selection: SelectionRequest; decision: Decision };

export interface DecideMode {
  /** Rank every mirror and list the non-holders too (the explain view). */
  explain?: boolean;
  /** How many mirrors to rank (a Metalink lists more than the Link header); policy.maxLinks by default. */
  limit?: number;
  /**
   * Ask D1 on a KV miss while a push propagates, even where the origin could take the request:
   * documents derived from a file have no origin to fall back to, and a listing built from D1
   * during a push links them.
   */
  confirmMiss?: boolean;
}

export async function decide(env: Env, req: Request, url: URL, path: string, mode: DecideMode = {}): Promise<Outcome> {
  const client = clientFromRequest(() => (req as { cf?: PlatformGeo }).cf, req.headers, env.DEBUG_HEADERS === "true");
  const over = applyOverrides(client, url.search);
  if (!over.ok) return { kind: "bad-request", reason: over.reason };
  const selection: SelectionRequest = {
    path,
    now: Math.floor(Date.now() / 1000),
    scheme: url.protocol === "https:" ? "https" : ("http" as Scheme),
    client: over.value.client,
    ...(over.value.client !== client ? { platform: client } : {}),
    avoid: over.value.avoid,
    ...(over.value.newMirror ? { salt: crypto.randomUUID() } : {}),
  };
  // Both reads start at once: the table is usually cached, and when it is not, its read overlaps the file's.
  const [first, table] = await Promise.all([lookupFile(env, path, Date.now(), { d1OnMiss: false }), getMirrorTable(env)]);
  // A KV miss is asked of D1 only where it may be wrong: with no table from KV (KV empty or
  // unreachable), and, for derived documents and unknown paths answered with our own 404, while a
  // push is known to be propagating (the push stamp this isolate read is younger than
  // PROPAGATION_WINDOW_MS, core/push-stamp.ts). Otherwise KV's miss is the answer and random paths cost no D1 query.
  // A download goes to the origin on a miss anyway, which has every file the index has.
  const mayBeWrong = mode.confirmMiss || table?.table.policy.unknownPaths === "404";
  const askD1 = table?.source !== "kv" || (mayBeWrong && pushPropagating(table.pushedAt, Date.now()));
  const lookup = first.kind === "missing" && askD1 ? await lookupFileInD1(env, path) : first;
  if (lookup.kind === "missing") return { kind: "not-found", originFallback: table !== null && table.table.policy.unknownPaths === "origin", table, selection };
  if (lookup.kind === "unavailable" || !table) return { kind: "unavailable", lookup, table, selection };
  const decision = selectMirror(
    table.table,
    lookup.record,
    selection,
    mode.explain ? { listNonHolders: true } : { limit: mode.limit ?? table.table.policy.maxLinks },
  );
  if (decision.staged && !mode.explain) return { kind: "staged", holders: decision.holders, needed: decision.staged.needed };
  return { kind: "decided", lookup, table, selection, decision };
}
