/** The status as Prometheus text exposition (format 0.0.4): gauges an operator can alert on. */

import type { StatusView } from "../status/status-view.js";
import type { StatsView } from "../stats/stats-view.js";

export const PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function prometheusText(v: StatusView, stats: StatsView | null = null): string {
  const out: string[] = [];
  const metric = (name: string, help: string, samples: [Record<string, string>, number | null][], type: "gauge" | "counter" = "gauge") => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      if (value === null) continue;
      const ls = Object.entries(labels)
        .map(([k, val]) => `${k}="${label(val)}"`)
        .join(",");
      out.push(`${name}${ls ? `{${ls}}` : ""} ${value}`);
    }
  };
  const per = <T>(f: (m: StatusView["mirrors"][number]) => T) => v.mirrors.map(f);
  const schemes = v.mirrors.flatMap((m) => Object.entries(m.schemes).map(([scheme, s]) => ({ m, scheme, s: s! })));
  metric(
    "mirrorhop_mirror_up",
    "1 when probes find the mirror's trace file over the scheme, 0 when it is marked down.",
    schemes.map(({ m, scheme, s }) => [{ mirror: m.name, scheme }, s.up ? 1 : 0]),
  );
  metric(
    "mirrorhop_mirror_enabled",
    "1 when the mirror is enabled in the configuration.",
    per((m) => [{ mirror: m.name }, m.enabled ? 1 : 0]),
  );
  metric(
    "mirrorhop_mirror_lag_seconds",
    "How far the mirror's trace file is behind the origin's.",
    per((m) => [{ mirror: m.name }, m.lagSeconds]),
  );
  metric(
    "mirrorhop_mirror_lagging",
    "1 when the lag exceeds max_lag_seconds and the mirror is skipped.",
    per((m) => [{ mirror: m.name }, m.lagging ? 1 : 0]),
  );
  metric(
    "mirrorhop_mirror_stalled",
    "1 when the mirror's trace has stopped moving while the origin's has.",
    per((m) => [{ mirror: m.name }, m.stalled ? 1 : 0]),
  );
  metric(
    "mirrorhop_mirror_coverage_ratio",
    "Share of the current file versions the mirror holds.",
    per((m) => [{ mirror: m.name }, m.coverage]),
  );
  metric(
    "mirrorhop_mirror_files_held",
    "Current file versions the mirror holds.",
    per((m) => [{ mirror: m.name }, m.filesHeld]),
  );
  metric(
    "mirrorhop_mirror_last_scan_timestamp_seconds",
    "Start of the mirror's last successful scan.",
    per((m) => [{ mirror: m.name }, m.lastScanAt]),
  );
  metric(
    "mirrorhop_mirror_last_probe_timestamp_seconds",
    "When the scheme was last probed.",
    schemes.map(({ m, scheme, s }) => [{ mirror: m.name, scheme }, s.checkedAt]),
  );
  metric(
    "mirrorhop_mirror_probe_latency_seconds",
    "Duration of the last successful or answered probe.",
    schemes.map(({ m, scheme, s }) => [{ mirror: m.name, scheme }, s.latencyMs === null ? null : s.latencyMs / 1000]),
  );
  metric(
    "mirrorhop_mirror_ip_family_up",
    "Per address family, from `mirrorhop probe`.",
    v.mirrors.flatMap(
      (m) =>
        [
          [{ mirror: m.name, family: "4" }, m.ipv4Up === null ? null : m.ipv4Up ? 1 : 0],
          [{ mirror: m.name, family: "6" }, m.ipv6Up === null ? null : m.ipv6Up ? 1 : 0],
        ] as [Record<string, string>, number | null][],
    ),
  );
  metric("mirrorhop_files", "Files in the pushed index.", [[{}, v.fileCount]]);
  metric("mirrorhop_origin_trace_timestamp_seconds", "The time the origin's trace file states.", [[{}, v.originTrace]]);
  metric("mirrorhop_last_probe_round_timestamp_seconds", "When the last probe round ran.", [[{}, v.probedAt]]);
  if (stats) {
    // Counted per UTC day: the counters start again at midnight, which rate() and increase() read as a reset.
    const perMirror: [Record<string, string>, number][] = [];
    const bytes: [Record<string, string>, number][] = [];
    for (const m of stats.mirrors) {
      perMirror.push([{ mirror: m.name }, m.downloads.events1d]);
      bytes.push([{ mirror: m.name }, m.downloads.bytes1d]);
    }
    perMirror.push([{ mirror: "origin" }, stats.origin.downloads.events1d]);
    bytes.push([{ mirror: "origin" }, stats.origin.downloads.bytes1d]);
    metric("mirrorhop_downloads_total", "Downloads redirected today (UTC), per mirror; resets at midnight UTC.", perMirror, "counter");
    metric("mirrorhop_download_bytes_total", "Bytes of the files redirected today (UTC), per mirror; resets at midnight UTC.", bytes, "counter");
    metric(
      "mirrorhop_requests_counted_total",
      "Counted requests today (UTC) by kind: downloads, resumes, repeats and documents; resets at midnight UTC.",
      Object.entries(stats.totals).map(([kind, c]) => [{ kind }, c.events1d]),
      "counter",
    );
    metric(
      "mirrorhop_mirror_weight_share_ratio",
      "The mirror's weight over the enabled mirrors' total, to compare with its download share.",
      stats.mirrors.map((m) => [{ mirror: m.name }, m.weightShare]),
    );
  }
  return out.join("\n") + "\n";
}
