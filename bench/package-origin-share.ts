/**
 * The origin's share of one refresh + install per package manager, side by side over three
 * configurations of the same network (test/helpers/package-network.ts) and the same client lines:
 *
 * - before: what the network got before repositories were a unit, emulated on this code: no
 *   [[repository]], `metalink_origin = true`, `unknown_paths = "404"` (origin patterns send
 *   InRelease, repomd.xml and Packages* to the origin; Metalinks list the origin last);
 * - metadata on the origin: [[repository]] declared with `metadata = "origin"`;
 * - the default: [[repository]] declared, metadata on consistent mirrors.
 *
 * Counted from the servers' access logs: GET requests answered and body bytes sent, origin vs all.
 */

import { aptInstall, type ClientRun, dnfInstall, pacmanInstall, zypperInstall } from "../test/helpers/package-clients.js";
import { DECLARED, HOSTS, type PackageNetwork, type Server, startPackageNetwork } from "../test/helpers/package-network.js";

interface Share {
  originRequests: number;
  requests: number;
  originBytes: number;
  bytes: number;
  originRequestShare: number;
  originByteShare: number;
}

const VARIANTS: { name: string; toml: string }[] = [
  { name: "before", toml: '[policy]\nmetalink_origin = true\nunknown_paths = "404"\n' },
  { name: "metadata on the origin", toml: DECLARED.replace(/\[\[repository\]\]\n/g, '[[repository]]\nmetadata = "origin"\n') },
  { name: "default (consistent mirrors)", toml: DECLARED },
];

// The lines a user writes, the same in every variant: the edge as the only source.
const CLIENTS: { name: string; prefix: string; run: (net: PackageNetwork) => Promise<ClientRun> }[] = [
  { name: "apt", prefix: "/debian/", run: (n) => aptInstall(n.work, n.keyring, `${n.edgeUrl}debian`, ["world"]) },
  { name: "dnf", prefix: "/rpm/", run: (n) => dnfInstall(n.work, `metalink=${n.edgeUrl}rpm/repodata/repomd.xml.metalink`, ["hello", "world"]) },
  { name: "zypper", prefix: "/rpm/", run: (n) => zypperInstall(n.work, `${n.edgeUrl}rpm/`, ["hello", "world"]) },
  { name: "pacman", prefix: "/arch/", run: (n) => pacmanInstall(n.work, [`Server = ${n.edgeUrl}arch/$repo/os/$arch`], ["hello", "world"]) },
];

function shareOf(net: PackageNetwork, prefix: string): Share {
  let requests = 0;
  let bytes = 0;
  let originRequests = 0;
  let originBytes = 0;
  for (const s of Object.keys(HOSTS) as Server[]) {
    for (const e of net.served(s, prefix)) {
      requests++;
      bytes += e.bytes;
      if (s === "origin") {
        originRequests++;
        originBytes += e.bytes;
      }
    }
  }
  const r = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);
  return { originRequests, requests, originBytes, bytes, originRequestShare: r(originRequests, requests), originByteShare: r(originBytes, bytes) };
}

export async function runPackageOriginShareBench(): Promise<Record<string, Record<string, Share>>> {
  const out: Record<string, Record<string, Share>> = {};
  for (const v of VARIANTS) {
    const net = await startPackageNetwork({ toml: v.toml });
    try {
      out[v.name] = {};
      for (const c of CLIENTS) {
        net.clearLogs();
        const r = await c.run(net);
        if (r.code !== 0) throw new Error(`${v.name}: ${c.name} failed (${r.code}):\n${r.out}`);
        out[v.name]![c.name] = shareOf(net, c.prefix);
      }
    } finally {
      await net.stop();
    }
  }
  return out;
}
