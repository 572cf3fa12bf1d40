/** The deployable configuration: production never enables debug geo headers, and bindings agree. */

import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/local-edge.js";

type Wrangler = {
  name: string;
  workers_dev?: boolean;
  preview_urls?: boolean;
  vars: Record<string, string>;
  d1_databases: { binding: string; migrations_dir: string }[];
  kv_namespaces: { binding: string }[];
  env: Record<string, Wrangler>;
};

const wrangler = parse(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")) as unknown as Wrangler;

describe("wrangler.toml", () => {
  it("the production environment exists and turns debug headers off", () => {
    const prod = wrangler.env.production!;
    expect(prod.vars.DEBUG_HEADERS).toBe("false");
    expect(prod.vars.ORIGIN_URL).toMatch(/^https:\/\/.+\/$/);
  });

  it("production declares the same bindings and variables as local development", () => {
    const prod = wrangler.env.production!;
    expect(Object.keys(prod.vars).sort()).toEqual(Object.keys(wrangler.vars).sort());
    expect(prod.d1_databases.map((d) => [d.binding, d.migrations_dir])).toEqual(wrangler.d1_databases.map((d) => [d.binding, d.migrations_dir]));
    expect(prod.kv_namespaces.map((k) => k.binding)).toEqual(wrangler.kv_namespaces.map((k) => k.binding));
  });

  it("no deploy of the development config can replace production: it is named apart and has no URL", () => {
    const prod = wrangler.env.production!;
    expect(wrangler.name).not.toBe(prod.name);
    expect(wrangler.workers_dev).toBe(false);
    expect(wrangler.preview_urls).toBe(false);
    expect(wrangler.vars.DEBUG_HEADERS).toBe("true");
    // What production ships: no debug headers, no loopback origin.
    expect(new URL(prod.vars.ORIGIN_URL!).hostname).not.toMatch(/^(localhost|127\.|\[::1\])/);
  });

  it("production counts downloads in Analytics Engine, into the dataset its queries name", () => {
    const prod = wrangler.env.production! as typeof wrangler.env.production & { analytics_engine_datasets?: { binding: string; dataset: string }[] };
    expect(prod.vars.STATS_STORE).toBe("analytics-engine");
    expect(prod.analytics_engine_datasets).toEqual([{ binding: "STATS", dataset: prod.vars.STATS_DATASET }]);
  });
});
