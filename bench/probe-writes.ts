/**
 * D1 rows a probe round writes (D1's own rows_written) and whether it writes the KV document, at 64
 * and 1,000 mirrors with the cron's default budget (44 mirror URLs a round, every 5 minutes), over
 * a day of rounds: the first rounds, a steady network, one mirror down for an hour, and an origin
 * whose trace moves every hour. The rounds run the probers' own functions (applyProbeRound,
 * roundWrites) on a local D1 in Miniflare; only the probe outcomes are made up.
 *
 * Side by side, the rows the previous full rewrite wrote for the same rounds: every state row
 * (one per mirror and scheme, one per mirror), one history row per probe, three meta rows.
 */

import { Miniflare } from "miniflare";
import { mirrorWithDefaults } from "../src/core/mirror.js";
import { DEFAULT_POLICY } from "../src/core/policy.js";
import { mirrorToRow } from "../src/db/rows.js";
import { roundWrites } from "../src/health/health-sql.js";
import { applyProbeRound, probeTargets } from "../src/health/round.js";
import { HEALTH_ROWS_SQL, type MirrorHealthRow, ROUND_META_SQL, roundInputsOf, STATUS_ROWS_SQL, type StatusRow } from "../src/health/state-rows.js";
import { applyMigrations } from "../scripts/store/migrations.js";

const ROUND_SECONDS = 300;
const ROUNDS_PER_DAY = 86_400 / ROUND_SECONDS;

export interface ProbeWritesResult {
  mirrors: number;
  /** Median rows written per round over the day after the first full rotation. */
  steadyRowsPerRound: number;
  rowsPerDay: number;
  kvWritesPerDay: number;
  fullRewriteRowsPerRound: number;
  fullRewriteRowsPerDay: number;
  ratio: number;
}

async function day(n: number): Promise<ProbeWritesResult> {
  // In memory (no persistence path): each size starts from an empty D1.
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        config: {
          name: "probe-writes",
          compatibilityDate: "2026-11-01",
          manifest: { mainModule: "w.js", modules: { "w.js": { type: "esm", contents: "export default { fetch() { return new Response(null); } }" } } },
          env: { DB: { type: "d1", id: "probe-writes-bench" } },
        },
      },
    ],
  });
  try {
    const db = await mf.getD1Database("DB");
    await applyMigrations({
      query: async <T>(sql: string) => (await db.prepare(sql).all<T>()).results,
      batch: async (statements) => void (await db.batch(statements.map((s) => db.prepare(s)))),
    });
    const mirrors = Array.from({ length: n }, (_, i) =>
      mirrorWithDefaults({
        id: i + 1,
        name: `m${i + 1}`,
        country: "DE",
        continent: "EU",
        urls: { http: `http://m${i + 1}.example/`, https: `https://m${i + 1}.example/` },
      }),
    );
    for (let i = 0; i < mirrors.length; i += 50) {
      await db.batch(
        mirrors.slice(i, i + 50).map((m) => {
          const row = mirrorToRow(m);
          const cols = Object.keys(row);
          return db
            .prepare(
              `INSERT INTO mirrors (${cols.map((c) => c.replace(/[A-Z]/g, (x) => `_${x.toLowerCase()}`)).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
            )
            .bind(
              ...cols.map((c) => {
                const v = (row as Record<string, unknown>)[c];
                return typeof v === "boolean" ? Number(v) : (v ?? null);
              }),
            );
        }),
      );
    }
    const policy = { ...DEFAULT_POLICY, health: { ...DEFAULT_POLICY.health, traceFile: "TIME" } };
    const table = { policy, mirrors };
    const budget = policy.health.maxProbesPerRun - 1;
    const t0 = 1_800_000_000;
    const rows: number[] = [];
    let kvWrites = 0;
    let fullRewrite = 0;
    // Two days: the first fills the state (every target's first probe); the second is measured.
    for (let r = 0; r < 2 * ROUNDS_PER_DAY; r++) {
      const now = t0 + r * ROUND_SECONDS;
      const origin = now - (now % 3600) - 600;
      const [st, he, me] = await Promise.all([
        db.prepare(STATUS_ROWS_SQL).all<StatusRow>(),
        db.prepare(HEALTH_ROWS_SQL).all<MirrorHealthRow>(),
        db.prepare(ROUND_META_SQL).all<{ key: string; value: string }>(),
      ]);
      const inputs = roundInputsOf(st.results, he.results, me.results);
      const targets = probeTargets(table, inputs.prev, budget);
      // Mirror 7 is down for the first hour of the measured day; every mirror syncs within minutes of the origin.
      const down = (id: number) => id === 7 && r >= ROUNDS_PER_DAY && r < ROUNDS_PER_DAY + 12;
      const results = targets.map((target) => ({
        target,
        probe: down(target.mirrorId)
          ? { ok: false, latencyMs: null, traceAt: null, error: "connection refused" }
          : { ok: true, latencyMs: 40, traceAt: origin - (target.mirrorId % 3) * 60, error: null },
      }));
      const { next, history } = applyProbeRound(table, inputs.prev, results, origin, now);
      const out = await roundWrites(inputs, next, history, now, policy.health);
      const written = (await db.batch(out.statements.map((s) => db.prepare(s)))).reduce((sum, x) => sum + x.meta.rows_written, 0);
      if (out.doc)
        await db
          .prepare(`INSERT INTO meta (key, value) VALUES ('health_doc', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`)
          .bind(JSON.stringify({ digest: out.doc.digest, at: now }))
          .run();
      if (r >= ROUNDS_PER_DAY) {
        rows.push(written + (out.doc ? 1 : 0));
        kvWrites += out.doc ? 1 : 0;
        fullRewrite += next.schemes.length + next.mirrors.length + history.length + 3;
      }
    }
    const median = [...rows].sort((a, b) => a - b)[Math.floor(rows.length / 2)]!;
    const perDay = rows.reduce((a, b) => a + b, 0);
    return {
      mirrors: n,
      steadyRowsPerRound: median,
      rowsPerDay: perDay,
      kvWritesPerDay: kvWrites,
      fullRewriteRowsPerRound: Math.round(fullRewrite / ROUNDS_PER_DAY),
      fullRewriteRowsPerDay: fullRewrite,
      ratio: Number((perDay / fullRewrite).toFixed(4)),
    };
  } finally {
    await mf.dispose();
  }
}

export async function runProbeWritesBench(): Promise<ProbeWritesResult[]> {
  return [await day(64), await day(1000)];
}
