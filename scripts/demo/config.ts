/** The demo's mirrorhop.toml, written for the ports this run's servers got. */

import type { DemoMirror } from "./tree.js";

export interface DemoMirrorRun {
  id: number;
  spec: DemoMirror;
  http: string;
  rsync?: string;
}

export function demoConfig(originPath: string, originUrl: string, mirrors: DemoMirrorRun[]): string {
  const lines = [
    "# Written by `npm start` for this run's loopback ports.",
    "[origin]",
    `path = ${JSON.stringify(originPath)}`,
    `url = ${JSON.stringify(originUrl)}`,
    'trace = "TIME"',
    "",
    "[scan]",
    'protocols = ["rsync", "http"]',
    "timeout_seconds = 60",
    "",
  ];
  for (const m of mirrors) {
    lines.push(
      "[[mirror]]",
      `id = ${m.id}`,
      `name = ${JSON.stringify(m.spec.name)}`,
      `http = ${JSON.stringify(m.http)}`,
      ...(m.rsync ? [`rsync = ${JSON.stringify(m.rsync)}`] : []),
      `country = ${JSON.stringify(m.spec.country)}`,
      `lat = ${m.spec.lat}`,
      `lon = ${m.spec.lon}`,
      "",
    );
  }
  return lines.join("\n");
}
