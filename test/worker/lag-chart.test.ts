/** The rollout chart as drawn: a window that fits the data, and minutes readable beside days. */

import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy.js";
import { lagChartSvg } from "../../src/formats/lag-chart.js";
import { statusView } from "../../src/status/status-view.js";
import { mirror } from "../helpers/fixtures.js";

const NOW = 1_800_000_000;
const view = (history: { mirrorId: number; at: number; lagSeconds: number | null; ok: boolean }[]) =>
  statusView({
    now: NOW,
    generation: "g",
    policy: DEFAULT_POLICY,
    mirrors: [1, 2, 3].map((id) => ({ ...mirror({ id, name: `m${id}`, country: "DE", continent: "EU" }), filesHeld: 1, lastScanAt: NOW })),
    health: { schemes: [], mirrors: [], originTrace: NOW },
    fileCount: 1,
    probedAt: NOW,
    history,
    window: { from: NOW - 48 * 3600, to: NOW },
  });

/** Each series' points as drawn: [x, y] per vertex of its lines. */
function drawn(svg: string): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const g of svg.matchAll(/<g class="series" data-mirror="([^"]+)"[^>]*>(.*?)<\/g>/g)) {
    const pts = [...g[2]!.matchAll(/points="([^"]+)"/g)].flatMap((m) => m[1]!.split(" ").map((p) => p.split(",").map(Number) as [number, number]));
    out.set(g[1]!, pts);
  }
  return out;
}

describe("the rollout chart", () => {
  it("on a deployment 30 minutes old spans the last hour, not two empty days", () => {
    const pts = [0, 12, 24].flatMap((ago) => [1, 2].map((id) => ({ mirrorId: id, at: NOW - ago * 60, lagSeconds: 0, ok: true })));
    const svg = lagChartSvg(view(pts));
    const [from, to] = [Number(/data-from="(\d+)"/.exec(svg)![1]), Number(/data-to="(\d+)"/.exec(svg)![1])];
    expect(to - from).toBe(3600);
    // The lines span most of the plot's width (56 to 944), where a 48 h axis squeezed them into 9 px.
    const xs = drawn(svg)
      .get("m1")!
      .map(([x]) => x);
    expect(Math.max(...xs) - Math.min(...xs)).toBeGreaterThan(300);
  });

  it("grows with the data up to the window asked for", () => {
    const svg = lagChartSvg(
      view([
        { mirrorId: 1, at: NOW - 30 * 3600, lagSeconds: 0, ok: true },
        { mirrorId: 1, at: NOW, lagSeconds: 0, ok: true },
      ]),
    );
    expect(Number(/data-to="(\d+)"/.exec(svg)![1]) - Number(/data-from="(\d+)"/.exec(svg)![1])).toBe(30 * 3600 + 720);
    const old = lagChartSvg(
      view([
        { mirrorId: 1, at: NOW - 60 * 3600, lagSeconds: 0, ok: true },
        { mirrorId: 1, at: NOW, lagSeconds: 0, ok: true },
      ]),
    );
    expect(Number(/data-from="(\d+)"/.exec(old)![1])).toBe(NOW - 48 * 3600);
  });

  it("tells 5 minutes from zero and from 2 days on one axis, and keeps overlapping series apart by dash", () => {
    const at = [NOW - 600, NOW];
    const svg = lagChartSvg(
      view(
        at.flatMap((t) => [
          { mirrorId: 1, at: t, lagSeconds: 0, ok: true },
          { mirrorId: 2, at: t, lagSeconds: 300, ok: true },
          { mirrorId: 3, at: t, lagSeconds: 2 * 86_400, ok: true },
        ]),
      ),
    );
    const y = (name: string) => drawn(svg).get(name)![0]![1];
    // The plot is 268 px high: 5 minutes sit ~55 px clear of zero (on a linear 0-2 d axis: 0.5 px),
    // and 2 days well above 5 minutes.
    expect(y("m1") - y("m2")).toBeGreaterThan(40);
    expect(y("m2") - y("m3")).toBeGreaterThan(100);
    expect(svg).toContain(">10 min</text>");
    expect(svg).toContain(">2 d</text>");
    const dashes = [...svg.matchAll(/<g class="series"[^>]*?(?: stroke-dasharray="([^"]+)")?>/g)].map((m) => m[1] ?? "");
    expect(new Set(dashes).size).toBe(3);
  });
});
