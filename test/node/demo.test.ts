/** `npm start` as a newcomer runs it: the demo comes up, redirects real downloads, and Ctrl-C ends it all. */

import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/local-edge.js";
import { freePort } from "../../scripts/lib/rsync-daemon.js";

const require = createRequire(import.meta.url);
let demo: ChildProcess | null = null;
const tmpdirs: string[] = [];
afterAll(() => {
  if (demo && demo.exitCode === null) demo.kill("SIGKILL");
  // Also when a test failed before it could look inside them.
  for (const d of tmpdirs) rmSync(d, { recursive: true, force: true });
});

/** Every process below `pid`, from /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `npm start` with its own temporary directory, so what it leaves there is its own. */
async function startDemo(port: number) {
  const tmpdir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-demo-test-"));
  tmpdirs.push(tmpdir);
  const proc = spawn(process.execPath, [require.resolve("tsx/cli"), path.join(ROOT, "scripts/start.ts")], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), TMPDIR: tmpdir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  for (let i = 0; i < 300 && !out.includes("Ctrl-C stops") && proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 250));
  return { proc, tmpdir, out: () => out };
}

/** Ctrl-C, then: exit 0, every process it started gone, its ports closed, its temporary directory empty. */
async function stopDemo({ proc, tmpdir }: { proc: ChildProcess; tmpdir: string }, ports: number[]) {
  const tree = descendants(proc.pid!);
  expect(tree.length).toBeGreaterThan(0);
  const exited = new Promise<number | null>((r) => proc.once("exit", r));
  proc.kill("SIGINT");
  expect(await exited).toBe(0);
  // Children get a moment to finish exiting after the parent.
  for (let i = 0; i < 40 && tree.some(alive); i++) await new Promise((r) => setTimeout(r, 250));
  expect(tree.filter(alive), "processes the demo started").toEqual([]);
  for (const p of ports) {
    await expect(fetch(`http://127.0.0.1:${p}/`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  }
  // tsx's compile cache and wrangler's update check are the tools' own, reused by every run.
  expect(
    readdirSync(tmpdir).filter((f) => !/^tsx-\d+$/.test(f) && f !== "update-check"),
    "left in its temporary directory",
  ).toEqual([]);
  rmSync(tmpdir, { recursive: true, force: true });
}

describe("npm start", () => {
  it("finds a busy port before doing anything, says so, exit 2", async () => {
    const { createServer } = await import("node:net");
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    try {
      const port = (busy.address() as { port: number }).port;
      const child = spawn(process.execPath, [require.resolve("tsx/cli"), path.join(ROOT, "scripts/start.ts")], {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port) },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let err = "";
      child.stderr!.on("data", (d) => (err += d));
      const code = await new Promise<number | null>((r) => child.once("exit", r));
      expect(code).toBe(2);
      expect(err).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });

  it("scans and pushes through the CLI, serves redirects to the right bytes, and Ctrl-C stops everything", async () => {
    const port = await freePort();
    const started = await startDemo(port);
    demo = started.proc;
    const out = started.out();
    expect(out).toContain("Ctrl-C stops the Worker and the mirrors.");
    expect(out).toMatch(/\$ mirrorhop push --local/);
    expect(out).toMatch(/pushed: \d+ records written/);

    const w = `http://127.0.0.1:${port}`;
    const iso = "releases/1.1/mirrorhop-demo-1.1.iso";
    const res = await fetch(`${w}/${iso}`, { redirect: "manual", headers: { "x-debug-country": "BR" } });
    expect(res.status).toBe(302);
    // br-sao holds an older build of this file: a Brazilian client is sent elsewhere.
    expect(res.headers.get("x-mirrorhop-mirror")).not.toBe("br-sao");
    const bytes = Buffer.from(await (await fetch(res.headers.get("location")!)).arrayBuffer());
    const origin = readFileSync(path.join(ROOT, ".mirrorhop/demo/origin", iso));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(createHash("sha256").update(origin).digest("hex"));
    // The probe round ran: br-sao's trace is two days old, so the status shows it lagging and skipped.
    expect(out).toMatch(/\$ mirrorhop probe --local/);
    const status = (await (await fetch(`${w}/_mirrorhop/api/status`)).json()) as {
      mirrors: { name: string; lagging: boolean; lagSeconds: number | null; schemes: { http?: { up: boolean } } }[];
      history: { series: { name: string; points: { lagSeconds: number | null; ok: boolean }[] }[] };
    };
    // The rollout chart has something to show from the start: 12 hours of rounds per mirror, lags
    // from minutes to hours, and the simulated outage.
    expect(out).toMatch(/rollout chart: \d+ simulated probe rounds over the last 12 hours/);
    expect(status.history.series.map((s) => s.name).sort()).toEqual(status.mirrors.map((m) => m.name).sort());
    for (const s of status.history.series) expect(s.points.length, s.name).toBeGreaterThan(50);
    const lags = status.history.series.flatMap((s) => s.points.map((p) => p.lagSeconds ?? 0));
    expect(lags.some((l) => l > 0 && l < 3600) && lags.some((l) => l > 4 * 3600)).toBe(true);
    expect(status.history.series.some((s) => s.points.some((p) => !p.ok))).toBe(true);
    const lagging = status.mirrors.filter((m) => m.lagging).map((m) => m.name);
    expect(lagging).toEqual(["br-sao"]);
    expect(status.mirrors.every((m) => m.schemes.http?.up === true)).toBe(true);
    // The cron handler itself, through wrangler dev's scheduled trigger.
    expect((await fetch(`${w}/__scheduled?cron=*/5+*+*+*+*`)).status).toBe(200);
    const mirrors = [...out.matchAll(/(http|rsync):\/\/127\.0\.0\.1:(\d+)\//g)].map((m) => Number(m[2]));

    await stopDemo(started, [port, ...mirrors]);

    // A second run on the same port: it starts from nothing (the push writes every record again,
    // the earlier run's verdicts are gone) and, stopped, leaves nothing behind either.
    const again = await startDemo(port);
    demo = again.proc;
    expect(again.out()).toMatch(/pushed: [1-9]\d* records written/);
    const mirrorsAgain = [...again.out().matchAll(/(http|rsync):\/\/127\.0\.0\.1:(\d+)\//g)].map((m) => Number(m[2]));
    await stopDemo(again, [port, ...mirrorsAgain]);
  }, 240_000);
});
