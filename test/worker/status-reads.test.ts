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

  it("the metrics never read the probe history they do not show; the status page does, once", async () => {
    const metrics: string[] = [];
    expect((await call("_mirrorhop/metrics", metrics)).status).toBe(200);
    expect(metrics.filter((q) => q.includes("probe_history"))).toEqual([]);
    const page: string[] = [];
    expect((await call("_mirrorhop/status", page)).status).toBe(200);
    expect(page.filter((q) => q.includes("probe_history"))).toHaveLength(1);
  });
});
