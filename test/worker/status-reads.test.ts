import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import type { Env } from "../../src/env.js";
import { file, mirror, table } from "../helpers/fixtures.js";
import { seed } from "./seed.js";

const app = createApp();

/** The real local D1, recording the SQL of every statement prepared on it. */
function recordingD1(real: D1Database, sqls: string[]): D1Database {
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "prepare") return (q: string) => (sqls.push(q), target.prepare(q));
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

async function call(path: string, sqls: string[]) {
  const ctx = createExecutionContext();
  const res = await app.fetch(new Request(`https://get.test/${path}`), { ...env, DB: recordingD1(env.DB, sqls) } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("storage reads of the service pages", () => {
  beforeEach(async () => {
    await seed(table([mirror({ id: 1, name: "de1", country: "DE", continent: "EU" })]), { "a.iso": file([1]) });
  });

  it("no service page reads the probe history: the chart is one meta row the probers keep, whatever the window", async () => {
    for (const page of ["_mirrorhop/metrics", "_mirrorhop/status", "_mirrorhop/status?hours=8784", "_mirrorhop/api/status"]) {
      const sqls: string[] = [];
      expect((await call(page, sqls)).status).toBe(200);
      expect(
        sqls.filter((q) => q.includes("probe_history")),
        page,
      ).toEqual([]);
      // mirrors, their probe state per scheme and per mirror, and a few meta rows (the chart among them).
      expect(
        sqls.filter((q) => /from "(mirrors|mirror_status|mirror_health|meta)"/.test(q)),
        page,
      ).toHaveLength(4);
    }
  });
});
