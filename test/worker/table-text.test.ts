/**
 * The mirror table's stored text (format 3: lines of packed mirrors) and an isolate's line-by-line
 * reload of it: over random sequences of pushes, each load equals reading the whole text afresh,
 * reuses the compiled mirrors of every line it saw before, and a health overlay built on the last
 * one equals one built from scratch.
 */

import { fc, test } from "@fast-check/vitest";
import { describe, expect, it } from "vitest";
import type { Mirror } from "../../src/core/mirror.js";
import { encodeMirrorTable, readChunkLine, readMirrorTable, readMirrorTableText } from "../../src/core/mirror-table.js";
import { encodeHealthDoc, type HealthDoc, parseHealthDoc } from "../../src/health/health-doc.js";
import { type AppliedHealth, compileTable, withHealth } from "../../src/selection/compiled-table.js";
import { loadTableText, type TextState } from "../../src/storage/table-text.js";
import { networkArb } from "../helpers/arbitraries.js";
import { mirror, table } from "../helpers/fixtures.js";

const REGIONS = [
  { dach: ["DE", "AT"], nordics: ["SE"] },
  { dach: ["DE"], nordics: ["SE", "FR"] },
];
const bytes = (text: string) => new TextEncoder().encode(text);
const viaJson = (x: unknown) => JSON.parse(JSON.stringify(x));

describe("format 3", () => {
  test.prop([networkArb, fc.integer({ min: 1, max: 70 })], { numRuns: 200 })("reads back as the object format gives, at any chunk size", (ms, chunk) => {
    const t = table(ms, { regions: REGIONS[0]! });
    const text = encodeMirrorTable(t, chunk);
    expect(text.split("\n")).toHaveLength(2 + Math.ceil(ms.length / chunk));
    expect(readMirrorTableText(text)).toEqual(readMirrorTable(viaJson(t)));
    expect(loadTableText(bytes(text), undefined).table.mirrors).toEqual(compileTable(readMirrorTable(viaJson(t)).table).mirrors);
  });

  it("a line that is not an array of mirrors loses its own mirrors, with the line and the reason; the other lines load", () => {
    const ms = [1, 2, 3].map((id) => mirror({ id, name: `m${id}`, country: "DE", continent: "EU" }));
    const lines = encodeMirrorTable(table(ms), 1).split("\n");
    lines[3] = "[not json";
    lines[4] = '{"an":"object"}';
    const { table: t, dropped } = loadTableText(bytes(lines.join("\n")), undefined);
    expect(t.mirrors.map((cm) => cm.mirror.name)).toEqual(["m1"]);
    expect(dropped).toEqual([
      expect.stringMatching(/^line 4 of the mirror table is not JSON \(.+\): its mirrors$/),
      "line 5 of the mirror table is not an array: its mirrors",
    ]);
  });

  it("still reads a format 2 table, and refuses a text that is no table", () => {
    const t = table([mirror({ id: 1, name: "a", country: "DE", continent: "EU" })]);
    const format2 = JSON.stringify({
      format: 2,
      generation: "g",
      policy: t.policy,
      mirrors: [[1, "a", null, null, "DE", "EU", null, null, null, [], [], 100, 112, [], [], [], null, null, null, null]],
    });
    expect(loadTableText(bytes(format2), undefined).table.mirrors.map((cm) => cm.mirror.name)).toEqual(["a"]);
    // Pretty-printed over several lines, as an operator might put it by hand.
    expect(loadTableText(bytes(JSON.stringify(JSON.parse(format2), null, 2)), undefined).table.mirrors).toHaveLength(1);
    expect(() => loadTableText(bytes('{"format":4}'), undefined)).toThrow(/format 4 is not 1 or 2/);
    expect(() => loadTableText(bytes("<html>"), undefined)).toThrow(SyntaxError);
  });
});

type Edit =
  | { kind: "weight"; k: number; w: number }
  | { kind: "remove"; k: number }
  | { kind: "add"; k: number; at: number }
  | { kind: "move"; k: number; to: number }
  | { kind: "policy" }
  | { kind: "chunk"; size: number }
  | { kind: "duplicate"; k: number }
  | { kind: "break-line"; line: number }
  | { kind: "same" };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("weight" as const), k: fc.nat(), w: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("remove" as const), k: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("add" as const), k: fc.nat(), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("move" as const), k: fc.nat(), to: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "policy" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("chunk" as const), size: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("duplicate" as const), k: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("break-line" as const), line: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ kind: "same" as const }) },
);

/** Verdicts from a small domain, so consecutive documents often agree on a mirror. */
const healthArb = fc.array(
  fc.option(fc.record({ up: fc.record({ http: fc.boolean(), https: fc.boolean() }, { requiredKeys: [] }), lag: fc.constantFrom(undefined, 0, 900) }), {
    nil: undefined,
  }),
  { minLength: 80, maxLength: 80 },
);

function docOf(verdicts: ({ up: { http?: boolean; https?: boolean }; lag: number | undefined } | undefined)[], ms: Mirror[], at: number): HealthDoc {
  const mirrors: HealthDoc["mirrors"] = {};
  ms.forEach((m, i) => {
    const v = verdicts[i % verdicts.length];
    if (v) mirrors[m.id] = v.lag === undefined ? { up: v.up } : { up: v.up, lag: v.lag };
  });
  return { format: 1, at, originTrace: null, mirrors };
}

describe("an isolate's line-by-line reloads", () => {
  test.prop([networkArb, fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(editArb, healthArb), { minLength: 1, maxLength: 8 }), healthArb], { numRuns: 300 })(
    "equal a whole read of each version, reuse every line seen before, and overlay health as a fresh overlay does",
    (start, startChunk, steps, firstHealth) => {
      let ms = start;
      let chunk = startChunk;
      let policy = 0;
      let generation = 0;
      let nextId = 1000;
      let broken: number | null = null;
      const textOf = () => {
        const lines = encodeMirrorTable(table(ms, { regions: REGIONS[policy]!, health: { maxLagSeconds: 600 } as never }, `g${generation}`), chunk).split("\n");
        if (broken !== null && lines.length > 2) lines[2 + (broken % (lines.length - 2))] = "[broken";
        return lines.join("\n");
      };
      const now = 1_000_000;
      let text = textOf();
      let load = loadTableText(bytes(text), undefined);
      let state: TextState = load.state;
      let applied: AppliedHealth = { doc: docOf(firstHealth, ms, now), base: load.table, table: withHealth(load.table, docOf(firstHealth, ms, now), now) };

      for (const [edit, verdicts] of steps) {
        const before = text;
        const pick = (k: number) => k % ms.length;
        broken = null;
        if (edit.kind !== "same") generation++;
        if (edit.kind === "weight" && ms.length) ms = ms.map((m, i) => (i === pick(edit.k) ? { ...m, weight: edit.w } : m));
        if (edit.kind === "remove" && ms.length > 1) ms = ms.filter((_, i) => i !== pick(edit.k));
        if (edit.kind === "add" && ms.length) {
          const id = nextId++;
          const added = { ...ms[pick(edit.k)]!, id, name: `n${id}` };
          ms = [...ms.slice(0, edit.at % (ms.length + 1)), added, ...ms.slice(edit.at % (ms.length + 1))];
        }
        if (edit.kind === "move" && ms.length) {
          const moved = ms[pick(edit.k)]!;
          const rest = ms.filter((m) => m !== moved);
          ms = [...rest.slice(0, edit.to % (rest.length + 1)), moved, ...rest.slice(edit.to % (rest.length + 1))];
        }
        if (edit.kind === "policy") policy = 1 - policy;
        if (edit.kind === "chunk") chunk = edit.size;
        if (edit.kind === "duplicate" && ms.length) ms = [...ms, { ...ms[pick(edit.k)]!, name: `d${nextId++}` }];
        if (edit.kind === "break-line") broken = edit.line;
        text = textOf();

        const last = load;
        load = loadTableText(bytes(text), state);
        state = load.state;
        const whole = readMirrorTableText(text);
        const fresh = compileTable(whole.table);
        expect(load.table.generation).toBe(fresh.generation);
        expect(load.table.policy).toEqual(fresh.policy);
        expect(load.table.mirrors).toEqual(fresh.mirrors);
        expect([...load.table.byId.keys()]).toEqual([...fresh.byId.keys()]);
        expect([...load.dropped].sort()).toEqual([...whole.dropped].sort());
        if (text === before) expect(load.table).toBe(last.table);

        // Every mirror of a line the last load saw, under the same policy line, is the object compiled then.
        const [oldLines, newLines] = [before.split("\n"), text.split("\n")];
        if (oldLines[1] === newLines[1] && whole.dropped.length === 0 && last.dropped.length === 0) {
          for (const line of newLines.slice(2).filter((l) => oldLines.slice(2).includes(l))) {
            for (const m of readChunkLine(line, 0).mirrors) expect(load.table.byId.get(m.id)).toBe(last.table.byId.get(m.id));
          }
        }

        const doc = docOf(verdicts, ms, now + generation);
        const overlay = withHealth(load.table, doc, now, applied);
        expect(overlay.mirrors).toEqual(withHealth(load.table, doc, now).mirrors);
        expect([...overlay.byId.entries()]).toEqual([...withHealth(load.table, doc, now).byId.entries()]);
        applied = { doc, base: load.table, table: overlay };
      }
    },
  );
});

describe("the stored health document (format 2)", () => {
  test.prop([networkArb, healthArb, fc.constantFrom(null, 1_700_000_000)], { numRuns: 200 })(
    "reads back as the document it was written from",
    (ms, verdicts, originTrace) => {
      const doc = { ...docOf(verdicts, ms, 1_000_000), originTrace };
      ms.forEach((m, i) => {
        const e = doc.mirrors[m.id];
        if (e && i % 3 === 0) e.ipv4 = false;
        if (e && i % 5 === 0) e.ipv6 = false;
      });
      const text = encodeHealthDoc(doc);
      expect(JSON.parse(text).format).toBe(2);
      expect(parseHealthDoc(JSON.parse(text))).toEqual(parseHealthDoc(viaJson(doc)));
    },
  );

  it("is refused whole when its arrays disagree, never half-applied", () => {
    const ok = JSON.parse(encodeHealthDoc({ format: 1, at: 1, originTrace: null, mirrors: { "1": { up: { http: false } }, "2": { up: {}, lag: 5 } } }));
    expect(parseHealthDoc(ok).mirrors).toEqual({ "1": { up: { http: false } }, "2": { up: {}, lag: 5 } });
    expect(() => parseHealthDoc({ ...ok, flags: [1] })).toThrow(/ids, flags and lag must be arrays of integers of one length/);
    expect(() => parseHealthDoc({ ...ok, ids: ["1", "2"] })).toThrow(/ids, flags and lag/);
    expect(() => parseHealthDoc({ ...ok, ids: undefined })).toThrow(/no ids array/);
  });
});
