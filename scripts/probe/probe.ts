/**
 * `mirrorhop probe`: the edge cron's probe round, run from Node (CI or the origin host), with each
 * address family probed on its own. It reads the probe state from D1 and writes the round through
 * the push's store (store/), so the edge and this command keep
 * one state and apply the same hysteresis.
 */

import { mapPool } from "../../src/core/pool.js";
import { encodeHealthDoc, HEALTH_KEY, writtenDocRecord } from "../../src/health/health-doc.js";
import { roundWrites } from "../../src/health/health-sql.js";
import { probeTrace } from "../../src/health/probe.js";
import { probeTargets, settleRound, traceUrl } from "../../src/health/round.js";
import { HEALTH_ROWS_SQL, type MirrorHealthRow, ROUND_META_SQL, roundInputsOf, STATUS_ROWS_SQL, type StatusRow } from "../../src/health/state-rows.js";
import { type Config, mirrorOf } from "../config/schema.js";
import { batchInBulks, withStore } from "../store/store.js";
import type { Target } from "../store/target.js";
import { type LookupAll, nodeFetchText, systemLookup } from "./node-fetch.js";

export interface ProbeOptions {
  /** Probe IPv4 and IPv6 separately (default); false probes once per scheme, as the edge does. */
  families?: boolean;
  lookup?: LookupAll;
  dryRun?: boolean;
  log?: (line: string) => void;
}

export interface ProbeLine {
  mirror: string;
  scheme: string;
  family: 4 | 6 | null;
  ok: boolean;
  detail: string;
}

export async function probeFromNode(config: Config, target: Target, opts: ProbeOptions = {}) {
  const log = opts.log ?? (() => {});
  const traceFile = config.policy.health.traceFile;
  if (!traceFile) throw new Error("no trace file configured: set [origin] trace in the config (docs/health.md)");
  const lookupAll = opts.lookup ?? systemLookup;
  const table = { policy: config.policy, mirrors: config.mirrors.map(mirrorOf) };

  // D1 gives SQLite's 0/1 for booleans; healthStateFromRows reads both.
  const inputs = await withStore(target, async (store) => {
    await store.migrate();
    const status = await store.query<StatusRow>(STATUS_ROWS_SQL);
    const health = await store.query<MirrorHealthRow>(HEALTH_ROWS_SQL);
    const meta = await store.query<{ key: string; value: string }>(ROUND_META_SQL);
    return roundInputsOf(status, health, meta);
  });
  const prev = inputs.prev;

  // No per-invocation cap here: every mirror, every scheme, each family.
  const targets = probeTargets(table, prev, Number.MAX_SAFE_INTEGER, opts.families === false ? [null] : [4, 6]);
  const timeout = config.policy.health.timeoutMs;
  const originProbe = await probeTrace(nodeFetchText(null, lookupAll), traceUrl(config.origin.url, traceFile), timeout, Date.now, [config.origin.url]);
  if (!originProbe.ok) log(`origin trace unreadable (${originProbe.error}); lag uses the last known origin trace`);
  const probes = await mapPool(targets, 16, (t) => probeTrace(nodeFetchText(t.family, lookupAll), t.url, timeout, Date.now, t.bases));
  const now = Math.floor(Date.now() / 1000);
  const { next, history, originTrace } = settleRound(table, prev, targets, probes, originProbe, now);

  const names = new Map(table.mirrors.map((m) => [m.id, m.name]));
  const lines: ProbeLine[] = targets.map((t, i) => ({
    mirror: names.get(t.mirrorId)!,
    scheme: t.scheme,
    family: t.family,
    ok: probes[i]!.ok,
    detail: probes[i]!.ok ? `trace ${new Date(probes[i]!.traceAt! * 1000).toISOString()}, ${probes[i]!.latencyMs} ms` : probes[i]!.error!,
  }));
  for (const l of lines) log(`${l.mirror} ${l.scheme}${l.family ? ` IPv${l.family}` : ""}: ${l.ok ? "ok" : "FAILED"}: ${l.detail}`);

  if (!opts.dryRun) {
    // The store is opened again after the probes: a round may take minutes, and holds nothing open meanwhile.
    const out = await roundWrites(inputs, next, history, now, config.policy.health);
    await withStore(target, async (store) => {
      // As the edge cron does: D1, then the document when due, then the record that KV took it.
      await batchInBulks(store, out.statements);
      if (!out.doc) return;
      await store.kvPut([{ key: HEALTH_KEY, value: encodeHealthDoc(out.doc.doc) }]);
      await store.batch([writtenDocRecord(out.doc.digest, out.doc.doc.at)]);
    });
  }
  return { lines, state: next, originTrace };
}
