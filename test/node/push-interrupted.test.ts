/**
 * A push killed between any two writes, against the real local D1/KV (wrangler) and the Worker
 * (`wrangler dev`) reading the same state while the push runs. The change pushed has everything:
 * a mirror leaves, one joins, files change, a directory goes, one comes. Each run is interrupted
 * right after one more kind of write lands and before the local state records it (the worst
 * moment); the next run is the same command again. After every write of every run, each answer
 * the edge gives is its answer from before or from after the push, never the removed mirror,
 * never a listing linking a file it has no record for; and the finished store equals a clean
 * push of the same state.
 */

import { cpSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../../scripts/config/load.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import { push, type PushStep } from "../../scripts/push/push.js";
import type { Target } from "../../scripts/store/target.js";
import { common, d1Query, runWrangler } from "../helpers/wrangler-cli.js";
import { scanMirrors } from "../../scripts/scan/mirrors.js";
import { scanOrigin } from "../../scripts/scan/origin.js";
import { openState, type StateDb } from "../../scripts/state/db.js";
import { startWranglerDev } from "../helpers/wrangler-dev.js";

const T0 = new Date("2026-11-01T12:00:00Z");
const KEEP = ["keep/a.iso", "keep/b.iso", "keep/c.iso", "keep/d.iso"];
const CHANGES = ["keep/e.iso", "keep/f.iso"];
const GONE = ["old/x.iso", "old/y.iso", "old/z.iso"];
const NEW = ["new/p.iso", "new/q.iso", "new/r.iso"];
const ALL = [...KEEP, ...CHANGES, ...GONE, ...NEW];

class Interrupted extends Error {}

let tmp: string;
let db: StateDb;
const stops: (() => Promise<void>)[] = [];
const mirrorDir = (name: string) => path.join(tmp, "mirrors", name);

function fill(file: string, size: number, seed: number, at = T0) {
  mkdirSync(path.dirname(file), { recursive: true });
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + seed) & 0xff;
  writeFileSync(file, b);
  utimesSync(file, at, at);
}

function copyInto(name: string, files: string[], from = path.join(tmp, "origin")) {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(mirrorDir(name), f)), { recursive: true });
    cpSync(path.join(from, f), path.join(mirrorDir(name), f), { preserveTimestamps: true });
  }
}

function configText(urls: Record<string, string>, names: string[]) {
  const ids: Record<string, number> = { full: 1, partial: 2, leaving: 3, joining: 4 };
  return (
    `[origin]\npath = ${JSON.stringify(path.join(tmp, "origin"))}\nurl = "http://origin.test/pub/"\n` +
    names.map((n) => `[[mirror]]\nid = ${ids[n]}\nname = "${n}"\nhttp = "${urls[n]}"\ncountry = "DE"\n`).join("")
  );
}

/** What the edge says about one path: 404, or the size it serves and the mirrors it offers. */
async function answer(base: string, p: string): Promise<string> {
  const res = await fetch(`${base}/${p}.mirrorlist?json`, { headers: { "x-debug-country": "DE" } });
  if (res.status === 404) return "404";
  expect(res.status).toBe(200);
  const j = (await res.json()) as { size: number; mirrors: { name: string }[] };
  return `${j.size}:${j.mirrors
    .map((m) => m.name)
    .sort()
    .join(",")}`;
}

function withoutMirror(answer: string, name: string): string {
  if (answer === "404") return answer;
  const [size, names] = answer.split(":");
  return `${size}:${names!
    .split(",")
    .filter((n) => n !== name)
    .join(",")}`;
}

/** Every file the listings of these directories link (the edge serves a gone directory's listing until it is deleted). */
async function listedFiles(base: string, dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const res = await fetch(`${base}/${dir}?json`);
    if (res.status === 404) continue;
    const j = (await res.json()) as { entries: { name: string; type: string }[] };
    for (const e of j.entries) if (e.type === "file") out.push(dir + e.name);
  }
  return out;
}

async function kvKeys(t: Target): Promise<string[]> {
  const out = await runWrangler(["kv", "key", "list", "--binding", "INDEX", ...common(t)]);
  return (JSON.parse(out) as { name: string }[]).map((k) => k.name).sort();
}

const d1Dump = async (t: Target) => ({
  files: await d1Query(t, "SELECT path, size, mtime, changed_at, md5, sha1, sha256, sha512, hex(mirrors) AS m FROM files ORDER BY path"),
  pieces: await d1Query(t, "SELECT f.path, p.piece_size, length(p.hashes) AS n FROM file_pieces p JOIN files f ON f.id = p.file_id ORDER BY f.path"),
  mirrors: await d1Query(t, "SELECT id, name, http_url, enabled FROM mirrors ORDER BY id"),
});

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-interrupt-"));
  const origin = path.join(tmp, "origin");
  [...KEEP, ...CHANGES, ...GONE].forEach((f, i) => fill(path.join(origin, f), 20_000 + i * 1000, i));
  copyInto("full", [...KEEP, ...CHANGES, ...GONE]);
  copyInto("partial", [...KEEP.slice(0, 2), ...CHANGES]);
  copyInto("leaving", [...KEEP, ...CHANGES, ...GONE]);
  mkdirSync(mirrorDir("joining"), { recursive: true });
  const servers: Record<string, StaticServer> = {};
  for (const n of ["full", "partial", "leaving", "joining"]) {
    servers[n] = await startStaticServer(mirrorDir(n));
    stops.push(() => servers[n]!.stop());
  }
  const urls = Object.fromEntries(Object.entries(servers).map(([n, s]) => [n, s.url]));
  db = openState(path.join(tmp, "state.sqlite"));
  const before = parseConfig(configText(urls, ["full", "partial", "leaving"]), path.join(tmp, "mirrorhop.toml"));
  await scanOrigin(db, origin, { threads: 2 });
  await scanMirrors(db, before);
  await push(db, before, target("interrupted"));

  // The origin moves on: two files change, old/ goes, new/ comes. `full` and `joining` follow;
  // `partial` keeps the old versions; `leaving` leaves the config.
  const later = new Date(T0.getTime() + 86_400_000);
  CHANGES.forEach((f, i) => fill(path.join(origin, f), 30_000 + i, 50 + i, later));
  NEW.forEach((f, i) => fill(path.join(origin, f), 40_000 + i, 80 + i, later));
  rmSync(path.join(origin, "old"), { recursive: true });
  rmSync(path.join(mirrorDir("full"), "old"), { recursive: true });
  copyInto("full", [...CHANGES, ...NEW]);
  copyInto("joining", [...KEEP, ...CHANGES, ...NEW]);
  after = parseConfig(configText(urls, ["full", "partial", "joining"]), path.join(tmp, "mirrorhop.toml"));
  const now = Math.floor(Date.now() / 1000);
  await scanOrigin(db, origin, { threads: 2, now: now + 10 });
  await scanMirrors(db, after, { now: now + 20 });
}, 120_000);

let after: ReturnType<typeof parseConfig>;
const target = (name: string): Target => ({ kind: "local", persistTo: path.join(tmp, name) });

afterAll(async () => {
  db?.close();
  for (const s of stops.reverse()) await s().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
});

describe("a push interrupted anywhere and re-run", () => {
  it("never shows the edge a half-applied state, and ends equal to a clean push", async () => {
    const edge = await startWranglerDev(target("interrupted").persistTo!);
    stops.push(edge.stop);
    const snapshot = async () => Object.fromEntries(await Promise.all(ALL.map(async (p) => [p, await answer(edge.url, p)] as const)));
    const beforeAnswers = await snapshot();
    expect(beforeAnswers["old/x.iso"]).toMatch(/leaving/);
    expect(beforeAnswers["new/p.iso"]).toBe("404");

    // One run per write to interrupt, each the same command again, then one that finishes.
    const interruptAt: PushStep[] = [
      "table:transition",
      "d1:0",
      "packs-put:0",
      "kv-put:0",
      "kv-put:1",
      "dirs-put:0",
      "dirs-delete:0",
      "kv-delete:0",
      "packs-delete:0",
      "table:final",
    ];
    const seen: { steps: PushStep[]; answers: Record<string, string> }[] = [];
    for (const at of [...interruptAt, null]) {
      const steps: PushStep[] = [];
      const finished = await push(db, after, target("interrupted"), {
        kvBulkMax: 4,
        afterWrite: async (s) => {
          steps.push(s);
          // What a client sees right after this write: checked for every write of every run.
          const unresolved = [];
          for (const p of await listedFiles(edge.url, ["", "keep/", "old/", "new/"])) if ((await answer(edge.url, p)) === "404") unresolved.push(p);
          expect(unresolved, `after ${steps.join(" ")}: listed but not served`).toEqual([]);
          seen.push({ steps: [...steps], answers: await snapshot() });
          if (s === at) throw new Interrupted(s);
        },
      }).then(
        () => true,
        (err) => {
          if (!(err instanceof Interrupted)) throw err;
          return false;
        },
      );
      expect(finished, `interrupted at ${at}: ${steps.join(" ")}`).toBe(at === null);
      if (finished) break;
    }
    const afterAnswers = await snapshot();
    expect(afterAnswers["old/x.iso"]).toBe("404");
    expect(afterAnswers["new/p.iso"]).toMatch(/^40000:full,joining$/);
    expect(afterAnswers["keep/e.iso"]).toMatch(/^30000:full,joining$/);
    for (const s of seen) {
      for (const p of ALL) {
        // The removed mirror is disabled by the first write, so "before" no longer names it.
        expect([withoutMirror(beforeAnswers[p]!, "leaving"), afterAnswers[p]], `${p} after ${s.steps.join(" ")}`).toContain(s.answers[p]);
      }
    }
    await edge.stop();

    // The same state pushed once into an empty store: what the re-runs must have produced.
    db.exec(`VACUUM INTO '${path.join(tmp, "clean-copy.sqlite")}'`);
    const copy = openState(path.join(tmp, "clean-copy.sqlite"));
    copy.exec("DELETE FROM pushed_files; DELETE FROM pushed_dirs; DELETE FROM pushed_packs; DELETE FROM pushed_meta;");
    await push(copy, after, target("clean"));
    expect(await d1Dump(target("interrupted"))).toEqual(await d1Dump(target("clean")));
    expect(await kvKeys(target("interrupted"))).toEqual(await kvKeys(target("clean")));
    const state = (d: StateDb) => ({
      files: d.prepare("SELECT path, digest FROM pushed_files ORDER BY path").all(),
      dirs: d.prepare("SELECT dir, digest FROM pushed_dirs ORDER BY dir").all(),
      packs: d.prepare("SELECT id, digest FROM pushed_packs ORDER BY id").all(),
    });
    expect(state(db)).toEqual(state(copy));
    const again = await push(db, after, target("interrupted"));
    expect([again.d1Statements, again.kvPut, again.kvDelete, again.tableWritten]).toEqual([0, 0, 0, false]);
    copy.close();
  }, 400_000);
});
