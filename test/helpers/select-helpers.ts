import type { FileRecord } from "../../src/core/file-record.js";
import { parseIp } from "../../src/core/ip.js";
import type { Mirror, Scheme } from "../../src/core/mirror.js";
import type { Policy } from "../../src/core/policy.js";
import type { Client, SelectionRequest } from "../../src/selection/client.js";
import { compileTable } from "../../src/selection/compiled-table.js";
import { type Decision, selectMirror } from "../../src/selection/select.js";
import { table } from "./fixtures.js";

export interface ClientSpec {
  ip?: string;
  country?: string;
  continent?: string;
  asn?: number;
  lat?: number;
  lon?: number;
}

export function client(spec: ClientSpec): Client {
  const c: Client = {};
  if (spec.ip) {
    c.ip = parseIp(spec.ip)!;
    c.ipText = spec.ip;
  }
  if (spec.country) c.country = spec.country;
  if (spec.continent) c.continent = spec.continent;
  if (spec.asn !== undefined) c.asn = spec.asn;
  if (spec.lat !== undefined) c.lat = spec.lat;
  if (spec.lon !== undefined) c.lon = spec.lon;
  return c;
}

export function decide(
  mirrors: Mirror[],
  f: FileRecord,
  c: ClientSpec,
  opts: { path?: string; scheme?: Scheme; avoid?: string[]; policy?: Partial<Policy>; salt?: string; now?: number; platform?: ClientSpec } = {},
): Decision {
  const req: SelectionRequest = {
    path: opts.path ?? "releases/1.0/foo.iso",
    now: opts.now ?? 1_800_000_000,
    scheme: opts.scheme ?? "https",
    client: client(c),
    avoid: opts.avoid ?? [],
    ...(opts.salt ? { salt: opts.salt } : {}),
    ...(opts.platform ? { platform: client(opts.platform) } : {}),
  };
  return selectMirror(compileTable(table(mirrors, opts.policy)), f, req, { listNonHolders: true });
}

export function reasonFor(d: Decision, name: string): string | undefined {
  return d.excluded.find((e) => e.mirror.name === name)?.reason;
}
