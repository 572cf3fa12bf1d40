/**
 * The edge under KV's real semantics: eventually consistent **per key**. A simulated KV answers
 * each read of each key with any value that key held in the last W seconds (independently per key
 * and per read), and W covers KV's ~60 s plus the isolate caches (disabled here, so their staleness
 * is folded into W). Over random sequences of pushes (mirrors added and removed, ids retired and
 * reused after the drain, files added, changed in place, deleted, holders changing) written in the
 * push's own order, every answer of the real Worker must describe one version:
 *
 * - a redirect goes to a mirror that some push saw holding exactly the version its Digest names;
 * - a Metalink's size, SHA-256, SHA-512 and pieces belong to one version, and its mirrors hold it;
 * - a file a listing links is never a 404;
 * - once a removed mirror has drained, no answer names it.
 *
 * D1 is unreachable in the simulation (every query throws): what it would add is a strongly
 * consistent fallback, and the properties must hold without it.
 */

import { createExecutionContext } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { bytesToHex } from "../../src/core/bytes.js";
import { encodeDetailRecord } from "../../src/core/detail-record.js";
import { buildListings } from "../../src/core/dir-listing.js";
import { encodeFileRecord, type FileRecord, fileKey, listingKey, MIRROR_TABLE_KEY, packKey } from "../../src/core/file-record.js";
import { packDirectory } from "../../src/core/detail-pack.js";
import { dirOf } from "../../src/core/path.js";
import type { Mirror } from "../../src/core/mirror.js";
import type { Env } from "../../src/env.js";
import { mirror, table } from "../helpers/fixtures.js";
import { failingD1 } from "./broken-bindings.js";

/** KV propagation (~60 s) plus the mirror table's (60 s) and the records' (15 s) isolate caches. */
const WINDOW_S = 135;
/** How long after a mirror's removal its id may mean another (the push's ID_DRAIN_SECONDS). */
const DRAIN_S = 300;

type Value = ArrayBuffer | string | null;

/** Each read returns any value the key held within the window: the one current at its start, or a later one. */
class EventualKv {
  private readonly log = new Map<string, { at: number; value: Value }[]>();
  now = 0;
  constructor(private readonly pick: (n: number) => number) {}
  write(key: string, value: Value) {
    const h = this.log.get(key) ?? [];
    h.push({ at: this.now, value });
    this.log.set(key, h);
  }
  async get(key: string, type?: string): Promise<unknown> {
    const h = this.log.get(key) ?? [];
    const from = this.now - WINDOW_S;
    let start = -1;
    for (let i = 0; i < h.length; i++) if (h[i]!.at <= from) start = i;
    const candidates = [
      start >= 0 ? h[start]!.value : null,
      ...h
        .slice(start + 1)
        .filter((e) => e.at <= this.now)
        .map((e) => e.value),
    ];
    const v = candidates[this.pick(candidates.length)] ?? null;
    if (v === null) return null;
    if (type === "arrayBuffer") return typeof v === "string" ? new TextEncoder().encode(v).buffer : v;
    const text = typeof v === "string" ? v : new TextDecoder().decode(v);
    return type === "json" ? JSON.parse(text) : text;
  }
  async put() {}
  async delete() {}
  async list() {
    return { keys: [], list_complete: true };
  }
}

/** A version's bytes stand for themselves: its other hashes follow from its SHA-256. */
const sha512Of = (sha256: string) => sha256 + sha256;
const piecesOf = (sha256: string) =>
  Uint8Array.from(
    sha256
      .match(/../g)!
      .map((h) => parseInt(h, 16))
      .reverse(),
  );
const ab = (u: Uint8Array) => u.slice().buffer as ArrayBuffer;

interface World {
  mirrors: Mirror[];
  files: Map<string, FileRecord>;
}

interface Generation {
  at: number;
  names: Map<number, string>;
  files: Map<string, FileRecord>;
}

const PATHS = ["r/1/a.iso", "r/1/b.iso", "r/2/c.iso", "s/d.iso"];
const NAMES = ["alpha", "bravo", "charlie", "delta", "echo", "fox"];

const stepArb = fc.record({
  addMirror: fc.boolean(),
  removeMirror: fc.boolean(),
  changes: fc.array(
    fc.record({ path: fc.constantFrom(...PATHS), op: fc.constantFrom("content", "holders", "delete"), holders: fc.array(fc.nat(5), { maxLength: 6 }) }),
    { maxLength: 4 },
  ),
  gap: fc.integer({ min: 1, max: 400 }),
  reads: fc.array(fc.record({ path: fc.constantFrom(...PATHS), kind: fc.constantFrom("get", "meta4", "listing"), ip: fc.integer({ min: 1, max: 250 }) }), {
    minLength: 1,
    maxLength: 6,
  }),
});

describe("the edge under per-key eventual consistency", () => {
  it("never mixes versions, never sends anyone to a mirror that did not hold the version, never links a 404", async () => {
    // What the runs saw, so that a Worker that only ever answers with the origin cannot pass vacuously.
    const seen = { mirrorRedirects: 0, sha512: 0, pieces: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 2, maxLength: 7 }), fc.infiniteStream(fc.nat()), async (steps, stream) => {
        const it = stream[Symbol.iterator]();
        const kv = new EventualKv((n) => (it.next().value as number) % n);
        const env = {
          INDEX: kv as unknown as KVNamespace,
          DB: failingD1(),
          ORIGIN_URL: "https://origin.test/pub/",
          DEBUG_HEADERS: "true",
          MIRROR_TABLE_TTL_SECONDS: "0",
          FILE_RECORD_TTL_SECONDS: "0",
        } as Env;
        const app = createApp();
        const generations: Generation[] = [];
        const removedAt = new Map<string, number>();
        const retired = new Map<number, number>();
        let nextContent = 1;
        let nextName = 0;
        const world: World = { mirrors: [], files: new Map() };
        const newMirror = () => {
          // The push's rule: a new mirror takes an id no mirror holds and none retired within the drain.
          let id = 1;
          const taken = (i: number) =>
            world.mirrors.some((m) => m.id === i) || generations.at(-1)?.names.has(i) || (retired.has(i) && kv.now - retired.get(i)! < DRAIN_S);
          while (taken(id)) id++;
          const name = `${NAMES[nextName % NAMES.length]}${Math.floor(nextName / NAMES.length) || ""}`;
          nextName++;
          return mirror({ id, name, country: "DE", continent: "EU", urls: { https: `https://${name}.test/pub/` } });
        };
        const version = () => ({ size: 5_000_000 + nextContent, sha256: (nextContent++).toString(16).padStart(64, "0") });
        const put = (k: string, v: Value) => {
          kv.write(k, v);
          kv.now += 1;
        };

        // The push's write order (docs/scanner.md): removed mirrors disabled first, then the table
        // with the new mirrors, detail packs that changed, records, listings, gone listings, gone
        // records, packs of directories with no files left, and the final table.
        const packsWritten = new Map<string, string>();
        async function push() {
          const prev = generations.at(-1);
          const ids = new Set(world.mirrors.map((m) => m.id));
          const removed = prev ? [...prev.names].filter(([id]) => !ids.has(id)) : [];
          const t = table(world.mirrors.map((m) => ({ ...m })));
          if (removed.length) {
            const transition = table([
              ...world.mirrors,
              ...removed.map(([id, name]) => ({
                ...mirror({ id, name, country: "DE", continent: "EU", urls: { https: `https://${name}.test/pub/` } }),
                enabled: false,
              })),
            ]);
            put(MIRROR_TABLE_KEY, JSON.stringify(transition));
          }
          put(MIRROR_TABLE_KEY, JSON.stringify(t));
          const files = new Map([...world.files].map(([p, r]) => [p, { ...r, mirrors: r.mirrors.filter((id) => ids.has(id)).sort((a, b) => a - b) }]));
          // Each directory's detail pack, where it changed, before the records.
          const packs = new Map<string, { name: string; record: Uint8Array }[]>();
          for (const [p, r] of files) {
            const dir = dirOf(p);
            const record = encodeDetailRecord({
              version: { size: r.size, sha256: r.sha256! },
              sha512: sha512Of(r.sha256!),
              pieceSize: 4_194_304,
              pieces: piecesOf(r.sha256!),
            });
            packs.set(dir, [...(packs.get(dir) ?? []), { name: p.slice(dir.length), record }]);
          }
          const packKeys = new Set<string>();
          for (const [dir, entries] of packs) {
            for (const [shard, value] of packDirectory(entries).entries()) {
              const key = await packKey(dir, shard);
              packKeys.add(key);
              if (packsWritten.get(key) === bytesToHex(value)) continue;
              packsWritten.set(key, bytesToHex(value));
              put(key, ab(value));
            }
          }
          for (const [p, r] of files) put(await fileKey(p), ab(encodeFileRecord(r)));
          const listings = buildListings([...files].map(([path, r]) => ({ path, size: r.size, mtime: r.mtime })));
          for (const [dir, l] of listings) put(await listingKey(dir), JSON.stringify(l));
          const oldDirs = prev ? buildListings([...prev.files].map(([path, r]) => ({ path, size: r.size, mtime: r.mtime }))) : new Map();
          for (const dir of oldDirs.keys()) if (!listings.has(dir)) put(await listingKey(dir), null);
          for (const p of prev?.files.keys() ?? []) if (!files.has(p)) put(await fileKey(p), null);
          for (const key of [...packsWritten.keys()].filter((k) => !packKeys.has(k))) {
            packsWritten.delete(key);
            put(key, null);
          }
          if (removed.length) put(MIRROR_TABLE_KEY, JSON.stringify(t));
          for (const [id, name] of removed) {
            removedAt.set(name, kv.now);
            retired.set(id, kv.now);
          }
          generations.push({ at: kv.now, names: new Map(world.mirrors.map((m) => [m.id, m.name])), files });
        }

        const heldBy = (name: string, path: string, sha256: string) =>
          generations.some((g) => {
            const r = g.files.get(path);
            return r?.sha256 === sha256 && r.mirrors.some((id) => g.names.get(id) === name);
          });
        const versionOf = (path: string, size: number, sha256: string) =>
          generations.some((g) => g.files.get(path)?.sha256 === sha256 && g.files.get(path)?.size === size);
        const mirrorOfUrl = (u: string) => {
          const name = /^https:\/\/([a-z0-9]+)\.test\/pub\//.exec(u)?.[1];
          return name === "origin" ? undefined : name;
        };
        const drained = (name: string) => removedAt.has(name) && kv.now - removedAt.get(name)! > WINDOW_S && !world.mirrors.some((m) => m.name === name);
        const call = (path: string, ip: number) =>
          app.fetch(
            new Request(`https://get.test/${path}`, { headers: { "x-debug-country": "DE", "x-debug-ip": `198.51.100.${ip}` } }),
            env,
            createExecutionContext(),
          );

        for (let i = 0; i < 3; i++) world.mirrors.push(newMirror());
        for (const p of PATHS.slice(0, 3)) world.files.set(p, { ...version(), mtime: 1, changed: 1, mirrors: [1, 2, 3] });
        await push();

        for (const s of steps) {
          if (s.removeMirror && world.mirrors.length > 1) world.mirrors.splice(s.gap % world.mirrors.length, 1);
          if (s.addMirror) world.mirrors.push(newMirror());
          const live = world.mirrors.map((m) => m.id);
          for (const c of s.changes) {
            const cur = world.files.get(c.path);
            const holders = [...new Set(c.holders.map((h) => live[h % live.length]!))];
            if (c.op === "delete") world.files.delete(c.path);
            // Changed content: a new version no mirror has been seen with yet, then some catch up.
            else if (c.op === "content" || !cur) world.files.set(c.path, { ...version(), mtime: kv.now, changed: kv.now, mirrors: holders.slice(0, 1) });
            else world.files.set(c.path, { ...cur, mirrors: holders });
          }
          await push();
          kv.now += s.gap;
          for (const r of s.reads) {
            if (r.kind === "listing") {
              const dir = dirOf(r.path);
              const res = await call(`${dir}?json`, r.ip);
              if (res.status !== 200) continue;
              const body = (await res.json()) as { entries: { name: string; type: string }[] };
              for (const e of body.entries.filter((x) => x.type === "file")) {
                const f = await call(dir + e.name, r.ip);
                expect(f.status, `${dir}${e.name} is linked by a listing`).not.toBe(404);
                expect(f.status).toBeLessThan(500);
              }
              continue;
            }
            const res = await call(r.kind === "meta4" ? `${r.path}.meta4` : r.path, r.ip);
            expect(res.status).toBeLessThan(500);
            if (r.kind === "get") {
              const loc = res.headers.get("location");
              const name = loc ? mirrorOfUrl(loc) : undefined;
              if (!name) continue;
              const digest = /SHA-256=([^,]+)/.exec(res.headers.get("digest") ?? "")?.[1];
              expect(digest, "a redirect to a mirror names its version").toBeDefined();
              const sha256 = bytesToHex(Uint8Array.from(atob(digest!), (ch) => ch.charCodeAt(0)));
              expect(heldBy(name, r.path, sha256), `${r.path} version ${sha256.slice(-4)} sent to ${name}`).toBe(true);
              expect(drained(name), `${name} was removed and drained`).toBe(false);
              seen.mirrorRedirects++;
              continue;
            }
            if (res.status !== 200) continue;
            const xml = await res.text();
            const size = Number(/<size>(\d+)<\/size>/.exec(xml)![1]);
            const sha256 = /<hash type="sha-256">([0-9a-f]+)</.exec(xml)![1]!;
            expect(versionOf(r.path, size, sha256), "size and SHA-256 of one version").toBe(true);
            const sha512 = /<hash type="sha-512">([0-9a-f]+)</.exec(xml)?.[1];
            if (sha512) expect(sha512, "SHA-512 of the same version").toBe(sha512Of(sha256));
            if (sha512) seen.sha512++;
            const pieces = [...xml.matchAll(/<pieces[^>]*>([^]*?)<\/pieces>/g)].flatMap((m) => [...m[1]!.matchAll(/<hash>([0-9a-f]+)</g)].map((h) => h[1]));
            if (pieces.length) expect(pieces.join(""), "pieces of the same version").toBe(bytesToHex(piecesOf(sha256)));
            if (pieces.length) seen.pieces++;
            for (const u of [...xml.matchAll(/<url[^>]*>([^<]+)</g)].map((m) => m[1]!)) {
              const name = mirrorOfUrl(u);
              if (!name) continue;
              expect(heldBy(name, r.path, sha256), `Metalink of ${r.path} names ${name}`).toBe(true);
              expect(drained(name)).toBe(false);
            }
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(seen.mirrorRedirects, "redirects to mirrors checked").toBeGreaterThan(20);
    expect(seen.sha512, "Metalinks with a SHA-512 checked").toBeGreaterThan(5);
    expect(seen.pieces, "Metalinks with pieces checked").toBeGreaterThan(5);
  }, 120_000);
});
