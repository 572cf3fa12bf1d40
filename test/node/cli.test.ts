/** The mirrorhop CLI as an operator runs it: a real process, real files, real servers on loopback. */

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../../scripts/lib/local-edge.js";
import { startStaticServer, type StaticServer } from "../../scripts/lib/static-server.js";
import { openState } from "../../scripts/state/db.js";

const require = createRequire(import.meta.url);
let tmp: string;
let mirror: StaticServer;
let other: StaticServer;
const T0 = new Date("2026-11-01T12:00:00Z");

/** Asynchronous on purpose: this process serves the mirrors the CLI scans. */
function cli(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve("tsx/cli"), path.join(ROOT, "scripts/mirrorhop.ts"), ...args], {
      cwd: tmp,
      // TMPDIR: the plan directories a dry run keeps for the operator go into this test's own directory.
      env: { ...process.env, CI: "true", MIRRORHOP_STATE: path.join(tmp, "state.sqlite"), TMPDIR: tmp },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

function write(rel: string, size: number) {
  const p = path.join(tmp, "origin", rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, Buffer.alloc(size, rel.length));
  utimesSync(p, T0, T0);
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-cli-"));
  write("a/one.iso", 10_000);
  write("b/two.iso", 20_000);
  cpSync(path.join(tmp, "origin"), path.join(tmp, "mirror"), { recursive: true, preserveTimestamps: true });
  mirror = await startStaticServer(path.join(tmp, "mirror"));
  other = await startStaticServer(path.join(tmp, "mirror"));
});
afterAll(async () => {
  await mirror.stop();
  await other.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Every file under a directory, by name and content: equal digests mean nothing was written there. */
function digestTree(dir: string): string {
  const h = createHash("sha256");
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort()) {
    h.update(e).update(readFileSync(e));
  }
  return h.digest("hex");
}

function pushedState() {
  const db = openState(path.join(tmp, "state.sqlite"));
  try {
    return [db.prepare("SELECT path, digest FROM pushed_files ORDER BY path").all(), db.prepare("SELECT key, value FROM pushed_meta ORDER BY key").all()];
  } finally {
    db.close();
  }
}

const config = (mirrors: string) => `[origin]\npath = "origin"\nurl = "https://o.example/pub/"\n[scan]\nprotocols = ["http"]\n${mirrors}`;
const m1 = () => `[[mirror]]\nid = 1\nname = "m1"\nhttp = "${mirror.url}"\ncountry = "DE"\n`;
const m2 = () => `[[mirror]]\nid = 2\nname = "m2"\nhttp = "${other.url}"\ncountry = "FR"\n`;

const SYSTEM_NODE = "/usr/bin/node";
const systemNodeIsOld = (() => {
  try {
    return Number(execFileSync(SYSTEM_NODE, ["-p", "process.versions.node.split('.')[0]"]).toString()) < 22;
  } catch {
    return false;
  }
})();

describe("mirrorhop CLI", () => {
  it("--version prints the package's version", async () => {
    const r = await cli("--version");
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe((JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version);
  });

  it.skipIf(!systemNodeIsOld)("under a Node older than 22.12 it says what it needs, exit 2, instead of failing in an import", () => {
    const r = spawnSync(SYSTEM_NODE, [path.join(ROOT, "bin/mirrorhop.mjs"), "--version"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^mirrorhop: needs Node\.js 22\.12 or newer \(for node:sqlite\); this is v\d+/);
    expect(r.stderr).not.toMatch(/No such built-in module/);
  });

  it("init writes a valid annotated config, and will not overwrite it", async () => {
    expect((await cli("init")).code).toBe(0);
    expect(readFileSync(path.join(tmp, "mirrorhop.toml"), "utf8")).toContain("[[mirror]]");
    const checked = (await cli("config", "check")).out;
    expect(checked).toMatch(/mirrorhop\.toml: ok \(origin \/srv\/pub → https:\/\/download\.example\.org\/pub\/, 1 mirrors\)/);
    expect(checked).toMatch(/\nprobes: 2 mirror URLs, up to 44 a round every 5 min \(wrangler\.toml \[triggers\]\): each probed every 5 min/);
    // The example's origin is the one wrangler.toml's production Worker falls back to: no note.
    expect(checked).not.toContain("note:");
    const again = await cli("init");
    expect([again.code, again.err.trim()]).toEqual([2, "mirrorhop: mirrorhop.toml exists; use --force to overwrite it"]);
  });

  it("config check refuses a bad file with file, line and key, exit 2", async () => {
    writeFileSync(path.join(tmp, "bad.toml"), config(`[[mirror]]\nid = 1\nname = "m1"\nhttp = "${mirror.url}"\ncountry = "Deutschland"\n`));
    // A config whose origin is not the Worker's ORIGIN_URL is valid, with a note saying so.
    writeFileSync(path.join(tmp, "other.toml"), config(""));
    expect((await cli("-c", "other.toml", "config", "check")).out).toMatch(
      /\nnote: wrangler\.toml \[env\.production\.vars\] ORIGIN_URL is https:\/\/download\.example\.org\/pub\/, the config's \[origin\] url https:\/\/o\.example\/pub\/: the Worker sends misses/,
    );
    const r = await cli("-c", "bad.toml", "config", "check");
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path.join(tmp, "bad.toml")}:10: mirror[1] (m1).country: must be a two-letter ISO 3166 country code`);
  });

  it("scans, explains offline, plans a push without writing, and scans a subtree only", async () => {
    writeFileSync(path.join(tmp, "mirrorhop.toml"), config(m1() + m2()));
    expect((await cli("scan", "origin")).err).toMatch(/hashing: 2 files, 2 hashed/);
    const scanned = await cli("scan", "mirrors");
    expect(scanned.out).toMatch(/m1: 2 files over http in [\d.]+ s, 2 claims checked/);
    // Progress in CI: plain lines on stderr, the last one when every mirror is done.
    expect(scanned.err).toMatch(/scanning mirrors: 2\/2 \(100%\)/);
    expect(scanned.err).toMatch(/scanning mirrors: 2 mirrors listed\n/);
    const ex = JSON.parse((await cli("explain", "a/one.iso", "--country", "FR", "--scheme", "http")).out);
    expect(ex).toMatchObject({
      target: "mirror",
      location: `${other.url}a/one.iso`,
      candidates: [
        { name: "m2", tier: "country" },
        { name: "m1", tier: "region" },
      ],
    });
    // Input it cannot use is refused with the option and the value; a path not in the index exits 3.
    for (const [args, msg] of [
      [["--country", "ZZZ"], '--country "ZZZ": expected a two-letter ISO 3166 code'],
      [["--ip", "300.1.1.1"], '--ip "300.1.1.1": expected an IPv4 or IPv6 address'],
      [["--lat", "91"], '--lat "91": expected a latitude from -90 to 90'],
      [["--scheme", "ftp"], '--scheme "ftp": expected http or https'],
    ] as const) {
      const bad = await cli("explain", "a/one.iso", ...args);
      expect([bad.code, bad.err.trim()], args.join(" ")).toEqual([2, `mirrorhop: ${msg}`]);
    }
    const unknown = await cli("explain", "a/none.iso");
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.out)).toEqual({ path: "a/none.iso", error: "not in the origin index (scan origin first?)" });
    const dry = await cli("push", "--local", "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/dry run: \d+ D1 statements, 2 KV puts, 0 KV deletes, mirror table; files in /);
    // Two files and their detail records, three listings, the mirror table: far below Free's 1,000 a day.
    expect(dry.out).toMatch(/KV: 9 writes, 0 deletes; D1: \d+ statements\n/);
    expect(dry.out).not.toMatch(/warning/);
    expect((await cli("push")).err).toMatch(/say where: push --local or push --remote/);

    // A subtree scan that finds b/ gone on m1 touches only b/.
    rmSync(path.join(tmp, "mirror", "b"), { recursive: true });
    expect((await cli("scan", "mirrors", "--mirror", "m1", "--path", "b")).out).toMatch(/m1: 0 files/);
    const db = openState(path.join(tmp, "state.sqlite"));
    expect(
      db
        .prepare("SELECT path FROM mirror_files WHERE mirror_id = 1 ORDER BY path")
        .all()
        .map((r) => (r as { path: string }).path),
    ).toEqual(["a/one.iso"]);
    expect(db.prepare("SELECT count(*) AS n FROM mirror_files WHERE mirror_id = 2").get()).toEqual({ n: 2 });
    db.close();
  });

  it("refuses every invalid config, and an emptied origin, before anything is pushed", async () => {
    const persist = path.join(tmp, "wrangler-state");
    writeFileSync(path.join(tmp, "mirrorhop.toml"), config(m1() + m2()));
    expect((await cli("push", "--local", "--persist-to", persist)).code).toBe(0);
    const before = { edge: digestTree(persist), pushed: pushedState() };
    const good = config(m1() + m2());
    const bad: [string, string, RegExp][] = [
      ["TOML syntax", good.replace('country = "FR"', 'country = "FR'), /:\d+:\d+: /],
      ["misspelt key", good.replace('country = "FR"', 'contry = "FR"'), /: mirror\[2\] \(m2\)\.contry: unknown key; did you mean "country"\?/],
      ["country", good.replace('country = "FR"', 'country = "France"'), /: mirror\[2\] \(m2\)\.country: must be a two-letter/],
      ["duplicate id", good.replace("id = 2", "id = 1"), /: mirror\[2\] \(m2\)\.id: duplicate id 1/],
      ["mirror URL", good.replace(`http = "${other.url}"`, 'http = "ftp://x.example/"'), /: mirror\[2\] \(m2\)\.http: /],
      ["origin URL", good.replace('url = "https://o.example/pub/"', 'url = "https://o.example/pub"'), /: origin\.url: must be an http\(s\) URL ending in '\/'/],
      ["policy", good.replace("[scan]", "[policy]\nmin_size = -1\n[scan]"), /: policy\.min_size: /],
      ["health", good.replace("[scan]", "[health]\ndown_after = 0\n[scan]"), /: health\.down_after: /],
      ["release", good.replace("[scan]", '[release]\nstaged = ["releases/*"]\n[scan]'), /: release\.staged: staged paths need min_mirrors > 0/],
      ["scan", good.replace('protocols = ["http"]', 'protocols = ["gopher"]'), /: scan\.protocols\[1\]: /],
    ];
    const runs = await Promise.all(
      bad.map(async ([what, text]) => {
        const file = `bad-${what.replace(/\W+/g, "-")}.toml`;
        writeFileSync(path.join(tmp, file), text);
        return { what, file, r: await cli("-c", file, "push", "--local", "--persist-to", persist) };
      }),
    );
    for (const [i, { what, file, r }] of runs.entries()) {
      expect(r.code, `${what}: ${r.err}`).toBe(2);
      // file:line: key: what is wrong
      expect(r.err, what).toMatch(new RegExp(`${path.join(tmp, file).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+`));
      expect(r.err, what).toMatch(bad[i]![2]);
    }
    expect({ edge: digestTree(persist), pushed: pushedState() }).toEqual(before);

    // A scan that came back empty (the tree unmounted, say) must not wipe the edge either.
    writeFileSync(path.join(tmp, "empty.toml"), good.replace('path = "origin"', 'path = "empty-origin"'));
    mkdirSync(path.join(tmp, "empty-origin"), { recursive: true });
    expect((await cli("-c", "empty.toml", "scan", "origin")).code).toBe(0);
    const empty = await cli("-c", "empty.toml", "push", "--local", "--persist-to", persist);
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(
      /the origin index is empty but 2 files were pushed before; refusing to delete them all \(scan origin again, or push --allow-empty\)/,
    );
    expect({ edge: digestTree(persist), pushed: pushedState() }).toEqual(before);
    expect((await cli("scan", "origin")).code).toBe(0);

    // An id that was pushed for m2 must not come to mean another mirror.
    writeFileSync(path.join(tmp, "renamed.toml"), good.replace('name = "m2"', 'name = "m2-new"'));
    const renamed = await cli("-c", "renamed.toml", "push", "--local", "--persist-to", persist);
    expect(renamed.code).toBe(2);
    expect(renamed.err).toMatch(/mirror id 2 is m2-new in the config but was m2 in the last push: an id never changes meaning/);
    expect({ edge: digestTree(persist), pushed: pushedState() }).toEqual(before);
  }, 120_000);

  it("mirrors lists every mirror with its state as the edge sees it, as a table or as JSON", async () => {
    const persist = path.join(tmp, "wrangler-state");
    writeFileSync(path.join(tmp, "mirrorhop.toml"), config(m1() + m2()));
    for (const step of [
      ["scan", "origin"],
      ["scan", "mirrors"],
      ["push", "--local", "--persist-to", persist],
    ])
      expect((await cli(...step)).code, step.join(" ")).toBe(0);
    const table = await cli("mirrors", "--local", "--persist-to", persist);
    expect(table.code).toBe(0);
    const lines = table.out.trim().split("\n");
    expect(lines[0]).toMatch(/^mirror +country +http +https +lag +coverage +last scan +last probe +notes$/);
    // Pushed, scanned, not probed yet (this config has no trace file): schemes unknown, coverage known.
    expect(lines[1], table.out).toMatch(/^m1 +DE +\? +- +unknown +\d+\.\d % +\d+ s ago +never$/);
    expect(lines[2], table.out).toMatch(/^m2 +FR +\? +- +unknown +\d+\.\d % +\d+ s ago +never$/);
    expect(lines.at(-1)).toMatch(/^\d of 2 mirrors serving; last probe round never; \d+ files$/);
    const json = JSON.parse((await cli("mirrors", "--local", "--persist-to", persist, "--json")).out) as { mirrors: { name: string; coverage: number }[] };
    expect(json.mirrors.map((m) => m.name)).toEqual(["m1", "m2"]);
    expect(json.mirrors[0]!.coverage).toBeGreaterThan(0);
    expect((await cli("mirrors")).err).toMatch(/say where: mirrors --local or mirrors --remote/);
  }, 60_000);

  it("npm run mirrorhop resolves -c against the caller's directory, not the package's", async () => {
    // Inside the package (npm run needs its package.json above), in its ignored working directory.
    mkdirSync(path.join(ROOT, ".mirrorhop"), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, ".mirrorhop", "caller-"));
    try {
      writeFileSync(path.join(dir, "site.toml"), config(m1()));
      const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ["npm"];
      const r = spawnSync(npm[0]!, [...npm.slice(1), "run", "--silent", "mirrorhop", "--", "-c", "site.toml", "config", "check"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CI: "true" },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${path.join(dir, "site.toml")}: ok`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("refuses a push that would empty the edge, unless told", async () => {
    const db = openState(path.join(tmp, "state.sqlite"));
    db.prepare("INSERT OR REPLACE INTO pushed_files (path, digest) VALUES ('a/one.iso', 'x')").run();
    db.prepare("INSERT OR REPLACE INTO pushed_meta (key, value) VALUES ('table', ?)").run(JSON.stringify({ format: 1, policy: {}, mirrors: [{ id: 1 }] }));
    db.close();
    writeFileSync(path.join(tmp, "mirrorhop.toml"), config(""));
    const r = await cli("push", "--local", "--dry-run");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the config lists no mirrors but 1 were pushed before; refusing to remove them all \(push --allow-empty\)/);
    const allowed = await cli("push", "--local", "--dry-run", "--allow-empty");
    expect(allowed.code, allowed.err).toBe(0);

    // Most of a large index gone at once: refused too, unless --max-delete allows it.
    const big = openState(path.join(tmp, "state.sqlite"));
    const st = big.prepare("INSERT OR REPLACE INTO pushed_files (path, digest) VALUES (?, 'x')");
    for (let i = 0; i < 300; i++) st.run(`old/f${i}.iso`);
    big.close();
    writeFileSync(path.join(tmp, "mirrorhop.toml"), config(m1()));
    const mass = await cli("push", "--local", "--dry-run");
    expect([mass.code, mass.err]).toEqual([
      2,
      expect.stringMatching(/this push would delete 30\d of the 30\d files pushed before \(\d+%\), more than --max-delete 50%; refusing/),
    ]);
    expect((await cli("push", "--local", "--dry-run", "--max-delete", "100")).code).toBe(0);
    const bad = await cli("push", "--local", "--dry-run", "--max-delete", "lots");
    expect([bad.code, bad.err.trim()]).toEqual([2, 'mirrorhop: --max-delete: expected a percentage from 0 to 100, got "lots"']);
  });
});
