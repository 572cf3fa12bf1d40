/**
 * What a probe round writes, counted on the real local D1 and KV: only what changed. A steady
 * network costs a few rows per round whatever its size, and what the rows hold reads back as the
 * state the round computed (a property over random rounds), so nothing is lost by not writing.
 */

import { env } from "cloudflare:test";
import { fc, test } from "@fast-check/vitest";
import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import type { Env } from "../../src/env.js";
import { roundWrites } from "../../src/health/health-sql.js";
import type { FetchText } from "../../src/health/probe.js";
import { applyProbeRound, probeTargets } from "../../src/health/round.js";
import type { HealthState } from "../../src/health/state.js";
import { probeMirrors } from "../../src/scheduled/probe-mirrors.js";
import { readRoundInputs } from "../../src/storage/health-store.js";
import { mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const T0 = 1_800_000_000;
const policy = (over: Partial<typeof DEFAULT_POLICY.health> = {}) => ({
  health: { ...DEFAULT_POLICY.health, traceFile: "TIME", verdictMaxAgeSeconds: 3600, ...over },
});
const network = (n: number) => Array.from({ length: n }, (_, i) => mirror({ id: i + 1, name: `m${i + 1}`, country: "DE", continent: "EU" }));

/** The real D1 and KV, counting the rows each batch wrote (D1's own rows_written) and the KV puts. */
function counting() {
  const c = { rows: 0, kvPuts: [] as string[] };
  const DB = new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "batch")
        return async (stmts: D1PreparedStatement[]) => {
          const results = await target.batch(stmts);
          for (const r of results) c.rows += r.meta.rows_written;
          return results;
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  const INDEX = new Proxy(env.INDEX, {
    get(target, prop) {
      if (prop === "put") return (k: string, ...a: unknown[]) => (c.kvPuts.push(k), (target.put as (...x: unknown[]) => unknown)(k, ...a));
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { c, env: { ...env, DB, INDEX, ORIGIN_URL: "https://origin.test/" } as Env };
}

/** Mirrors answer with their trace (the origin's, unless listed as behind), or fail when listed as down: the stand-in for their HTTP servers. */
function traces(origin: () => number, down: Set<string> = new Set()): FetchText {
  return async (url) => {
    const host = new URL(url).hostname.split(".")[0]!;
    if (down.has(host)) throw new Error("connection refused");
    return { status: 200, text: `${origin()}\n`, location: null };
  };
}

describe("a probe round's writes", () => {
  beforeEach(async () => {
    await seed(table(network(64), policy()), {});
  });

  it("a steady network of 64 mirrors costs a few rows and no KV write per round once every target was probed", async () => {
    const { c, env: e } = counting();
    let now = T0;
    const clock = () => now * 1000;
    const fetchText = traces(() => T0 - 600);
    // 128 targets at 44 a round: three rounds probe every one once (and write their first rows).
    for (let r = 0; r < 3; r++, now += 300) await probeMirrors(e, fetchText, clock);
    // Each of them found mirrors the document did not hold yet.
    const firstPuts = c.kvPuts.length;
    expect(firstPuts).toBe(3);
    const firstRounds = c.rows;
    expect(firstRounds).toBeGreaterThan(128 + 64);
    for (let r = 0; r < 3; r++, now += 300) {
      c.rows = 0;
      const summary = await probeMirrors(e, fetchText, clock);
      expect(summary.probed).toBe(44);
      // probed_at, and the chart shards (32 mirrors each) holding the 22 mirrors probed: ids 1-64
      // span three shards. A full rewrite was 128 + 64 state rows, 44 history rows and 3 meta rows.
      expect(c.rows, `round ${r + 4}`).toBeLessThanOrEqual(4);
    }
    // The verdicts did not change and the document is far from its maximum age: KV keeps it.
    expect(c.kvPuts).toHaveLength(firstPuts);
    // At a third of verdict_max_age_seconds after the last write it is written again, so the edge never finds it stale.
    now = T0 + 600 + 1200;
    await probeMirrors(e, fetchText, clock);
    expect(c.kvPuts).toHaveLength(firstPuts + 1);
  });

  it("a mirror that goes down writes its own rows: the failures, the verdict and the history of what went wrong", async () => {
    // Ten mirrors: every target fits one round's budget, so m1 is probed every round.
    await seed(table(network(10), policy()), {});
    const { c, env: e } = counting();
    let now = T0;
    const clock = () => now * 1000;
    await probeMirrors(
      e,
      traces(() => T0 - 600),
      clock,
    );
    now += 300;
    const down = traces(() => T0 - 600, new Set(["m1"]));
    const kvBefore = c.kvPuts.length;
    c.rows = 0;
    for (let r = 0; r < 3; r++, now += 300) await probeMirrors(e, down, clock);
    const status = await env.DB.prepare("SELECT scheme, up, failures FROM mirror_status WHERE mirror_id = 1 ORDER BY scheme").all();
    expect(status.results).toEqual([
      { scheme: "http", up: 0, failures: 2 },
      { scheme: "https", up: 0, failures: 2 },
    ]);
    const history = await env.DB.prepare("SELECT mirror_id, ok, error FROM probe_history").all<{ mirror_id: number; ok: number; error: string }>();
    expect(history.results.length).toBeGreaterThan(0);
    expect(history.results.every((h) => h.mirror_id === 1 && h.ok === 0 && /connection refused/.test(h.error))).toBe(true);
    expect(c.kvPuts.length).toBeGreaterThan(kvBefore);
  });
});

describe("what the rows hold", () => {
  const N = 40; // two chart shards
  const outcomeArb = fc.record({ ok: fc.boolean(), behind: fc.constantFrom(0, 0, 600, 7200) });
  const roundArb = fc.record({
    originMoves: fc.constantFrom(0, 0, 300, 3600),
    budget: fc.integer({ min: 1, max: 2 * N }),
    outcomes: fc.array(outcomeArb, { minLength: N, maxLength: N }),
  });
  const sorted = (s: HealthState) => ({
    schemes: [...s.schemes].sort((a, b) => a.mirrorId - b.mirrorId || a.scheme.localeCompare(b.scheme)),
    mirrors: [...s.mirrors].sort((a, b) => a.mirrorId - b.mirrorId),
    originTrace: s.originTrace,
  });

  test.prop([fc.array(roundArb, { minLength: 1, maxLength: 8 })], { numRuns: 25 })(
    "read back after each round equal the state the round computed",
    async (rounds) => {
      const t = table(network(N), policy({ downAfter: 2, upAfter: 2 }));
      await seed(t, {});
      let now = T0;
      let origin = T0 - 600;
      for (const r of rounds) {
        now += 300;
        origin += r.originMoves;
        const inputs = await readRoundInputs(env.DB);
        const targets = probeTargets(t, inputs.prev, r.budget);
        const results = targets.map((target) => {
          const o = r.outcomes[target.mirrorId - 1]!;
          return {
            target,
            probe: o.ok
              ? { ok: true, latencyMs: 30 + target.mirrorId, traceAt: origin - o.behind, error: null }
              : { ok: false, latencyMs: null, traceAt: null, error: "HTTP 503" },
          };
        });
        const { next, history } = applyProbeRound(t, inputs.prev, results, origin, now);
        const out = await roundWrites(inputs, next, history, now, t.policy.health);
        await env.DB.batch(out.statements.map((s) => env.DB.prepare(s)));
        expect(sorted((await readRoundInputs(env.DB)).prev)).toEqual(sorted(next));
      }
    },
  );
});
