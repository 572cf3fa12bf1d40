/**
 * `mirrorhop probe` from Node: each address family probed on its own against real loopback
 * servers, state written through wrangler into local D1/KV, and read back by `wrangler dev`.
 * Host names resolve through a lookup table given to the prober: the one part that cannot be real
 * here (no DNS). Connections go to the real servers on 127.0.0.1 and ::1.
 */

import { parseHealthDoc } from "../../src/health/health-doc.js";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import type { Config } from "../../scripts/config/schema.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import { probeFromNode } from "../../scripts/probe/probe.js";
import { push } from "../../scripts/push/push.js";
import { d1Query, runWrangler, common } from "../helpers/wrangler-cli.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState } from "../../scripts/state/db.js";
import { startWranglerDev } from "../helpers/wrangler-dev.js";

const NOW = Math.floor(Date.now() / 1000);
let tmp: string;
let config: Config;
const servers: StaticServer[] = [];
const target = () => ({ kind: "local" as const, persistTo: path.join(tmp, "wrangler-state") });
const lookup = async (host: string) =>
  host.endsWith(".test")
    ? [
        { address: "127.0.0.1", family: 4 },
        { address: "::1", family: 6 },
      ]
    : [{ address: host, family: host.includes(":") ? 6 : 4 }];

function tree(root: string) {
  mkdirSync(path.join(root, "releases"), { recursive: true });
  writeFileSync(path.join(root, "TIME"), `${NOW}\n`);
  writeFileSync(path.join(root, "releases/a.iso"), "a".repeat(8192));
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-probe-"));
  for (const d of ["origin", "dual", "v4only", "gone"]) tree(path.join(tmp, d));
  const origin = await startStaticServer(path.join(tmp, "origin"));
  // Both families: listens on :: with IPv4-mapped addresses. The other only on 127.0.0.1, though "DNS" publishes an AAAA.
  const dual = await startStaticServer(path.join(tmp, "dual"), 0, "::");
  const v4only = await startStaticServer(path.join(tmp, "v4only"));
  const gone = await startStaticServer(path.join(tmp, "gone"));
  await gone.stop();
  servers.push(origin, dual, v4only);
  const file = path.join(tmp, "mirrorhop.toml");
  config = parseConfig(
    `[origin]
path = "origin"
url = "${origin.url}"
trace = "TIME"
[health]
down_after = 2
timeout_seconds = 3
[[mirror]]
id = 1
name = "dual"
http = "http://dual.test:${dual.port}/"
country = "DE"
[[mirror]]
id = 2
name = "v4only"
http = "http://v4only.test:${v4only.port}/"
country = "FR"
[[mirror]]
id = 3
name = "gone"
http = "${gone.url}"
country = "NL"
`,
    file,
  );
  const db = openState(path.join(tmp, "state.sqlite"));
  await scanOrigin(db, config.origin.path, {});
  await push(db, config, target());
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe("mirrorhop probe", () => {
  it("probes IPv4 and IPv6 separately and shares hysteresis and state with the edge", async () => {
    const first = await probeFromNode(config, target(), { lookup });
    const line = (m: string, f: 4 | 6) => first.lines.find((l) => l.mirror === m && l.family === f)!;
    expect([line("dual", 4).ok, line("dual", 6).ok]).toEqual([true, true]);
    expect([line("v4only", 4).ok, line("v4only", 6).ok]).toEqual([true, false]);
    expect(line("v4only", 6).detail).toMatch(/ECONNREFUSED/);
    expect([line("gone", 4).ok, line("gone", 6).ok]).toEqual([false, false]);
    expect(line("gone", 6).detail).toMatch(/^no IPv6 address for 127.0.0.1 \(http:/);

    const health = await d1Query<{ name: string; ipv4_up: number | null; ipv6_up: number | null; trace_at: number | null }>(
      target(),
      "SELECT m.name, h.ipv4_up, h.ipv6_up, h.trace_at FROM mirror_health h JOIN mirrors m ON m.id = h.mirror_id ORDER BY m.id",
    );
    const originTrace = Number((await d1Query<{ value: string }>(target(), "SELECT value FROM meta WHERE key = 'origin_trace'"))[0]!.value);
    expect(health).toEqual([
      { name: "dual", ipv4_up: 1, ipv6_up: 1, trace_at: originTrace },
      { name: "v4only", ipv4_up: 1, ipv6_up: 0, trace_at: originTrace },
      { name: "gone", ipv4_up: 0, ipv6_up: 0, trace_at: null },
    ]);
    // One failed round is not yet "down"; the second is (down_after = 2), as on the edge.
    const upOf = async () => (await d1Query<{ mirror_id: number; up: number }>(target(), "SELECT mirror_id, up FROM mirror_status WHERE mirror_id = 3"))[0]!.up;
    expect(await upOf()).toBe(1);
    await probeFromNode(config, target(), { lookup });
    expect(await upOf()).toBe(0);

    const doc = parseHealthDoc(JSON.parse(await runWrangler(["kv", "key", "get", "health", "--binding", "INDEX", ...common(target())])));
    expect(doc.mirrors["2"]).toEqual({ up: { http: true }, lag: 0, ipv6: false });
    expect(doc.mirrors["3"]!.up).toEqual({ http: false });

    const w = await startWranglerDev(target().persistTo);
    try {
      const status = (await (await fetch(`${w.url}/_mirrorhop/api/status`)).json()) as {
        fileCount: number;
        mirrors: { name: string; ipv6Up: boolean | null; lagSeconds: number | null; schemes: { http?: { up: boolean; checkedAt: number | null } } }[];
      };
      expect(status.fileCount).toBe(2);
      // The lag is derived from the two traces; when each scheme was checked comes from the chart's rows.
      expect(status.mirrors.map((m) => [m.name, m.ipv6Up, m.schemes.http?.up, m.lagSeconds, typeof m.schemes.http?.checkedAt])).toEqual([
        ["dual", true, true, 0, "number"],
        ["v4only", false, true, 0, "number"],
        ["gone", false, false, null, "number"],
      ]);
      const metrics = await (await fetch(`${w.url}/_mirrorhop/metrics`)).text();
      expect(metrics).toContain('mirrorhop_mirror_up{mirror="gone",scheme="http"} 0');
      expect(metrics).toContain('mirrorhop_mirror_ip_family_up{mirror="v4only",family="6"} 0');
      expect(metrics).toContain("mirrorhop_files 2");
    } finally {
      await w.stop();
    }
  }, 120_000);
});
