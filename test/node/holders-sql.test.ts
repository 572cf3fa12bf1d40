/**
 * Which mirrors hold a file's current version is decided in SQL (holderRows, used by buildIndex),
 * so a push never walks a row per (mirror, file) in JS. The rule restated here as the oracle: the
 * same size, seen by a scan since the content changed and within the claim age, and where the
 * listing gives a time, the same mtime at the listing's resolution within the tolerance.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { holderRows, prepareScanCover } from "../../scripts/push/index-build.js";
import { openState } from "../../scripts/state/db.js";

interface Origin {
  size: number;
  mtime: number;
  changedAt: number;
}
interface Seen {
  mirrorId: number;
  size: number;
  mtime: number | null;
  mtimeRes: number;
  seenAt: number;
}

function oracle(o: Origin, m: Seen, tolerance: number, claimsFrom: number, known: number[]): boolean {
  if (!known.includes(m.mirrorId) || m.size !== o.size || m.seenAt < o.changedAt || m.seenAt < claimsFrom) return false;
  if (m.mtime === null) return true;
  // A listing with minute resolution shows 12:00 for 12:00:59: compare at its resolution.
  const res = Math.max(1, m.mtimeRes);
  return Math.abs(m.mtime - Math.floor(o.mtime / res) * res) <= tolerance + (res > 1 ? res : 0);
}

interface Scan {
  mirrorId: number;
  subtree: string;
  startedAt: number;
  ok: boolean;
}

/** A row's claim is as fresh as the latest good scan of its mirror whose subtree holds its path, or as the row when none does. */
function seenAt(s: Seen, path: string, scans: Scan[]): number {
  const covering = scans.filter((c) => c.ok && c.mirrorId === s.mirrorId && (c.subtree === "" || path === c.subtree || path.startsWith(`${c.subtree}/`)));
  return Math.max(s.seenAt, ...covering.map((c) => c.startedAt));
}

function holders(origins: Origin[], seen: Seen[][], tolerance: number, claimsFrom: number, known: number[], scans: Scan[] = []): Map<string, number[]> {
  const db = openState(":memory:");
  const sc = db.prepare("INSERT INTO mirror_scans (mirror_id, subtree, started_at, ok) VALUES (?, ?, ?, ?)");
  for (const c of scans) sc.run(c.mirrorId, c.subtree, c.startedAt, c.ok ? 1 : 0);
  const o = db.prepare("INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, changed_at) VALUES (?, ?, ?, '0', '0', ?)");
  const m = db.prepare("INSERT OR REPLACE INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at) VALUES (?, ?, ?, ?, ?, ?)");
  origins.forEach((x, i) => {
    o.run(`f${i}`, x.size, x.mtime, x.changedAt);
    for (const s of seen[i]!) m.run(s.mirrorId, `f${i}`, s.size, s.mtime, s.mtimeRes, s.seenAt);
  });
  prepareScanCover(db);
  const rows = [...holderRows(db, { claimsFrom, tolerance, mirrors: known })];
  db.close();
  return new Map(
    rows.map((r) => [
      r.path,
      r.ids
        .split(",")
        .map(Number)
        .sort((a, b) => a - b),
    ]),
  );
}

const T = Date.UTC(2026, 10, 1, 12, 0) / 1000;

describe("the holders of a file's current version, in SQL", () => {
  it("same size, and the same mtime at the listing's resolution plus the tolerance", () => {
    const origin = { size: 100, mtime: T + 42, changedAt: 10 };
    const cases: [Partial<Seen>, boolean][] = [
      [{ mtime: T + 42 }, true],
      [{ mtime: T + 43 }, true],
      [{ mtime: T + 45 }, false],
      [{ mtime: T, mtimeRes: 60 }, true],
      [{ mtime: T - 3600, mtimeRes: 60 }, false],
      [{ size: 99 }, false],
      [{ mtime: null, mtimeRes: 60 }, true],
      [{ seenAt: 5 }, false],
    ];
    const seen = cases.map(([s], i) => [{ mirrorId: i + 1, size: 100, mtime: T + 42, mtimeRes: 1, seenAt: 20, ...s }]);
    const got = holders(
      cases.map(() => origin),
      seen,
      1,
      0,
      cases.map((_, i) => i + 1),
    );
    expect(cases.map((_, i) => got.has(`f${i}`))).toEqual(cases.map(([, held]) => held));
  });

  it("agrees with the rule over random states: sizes, mtimes (negative ones too), resolutions, tolerances, claim ages, unknown mirrors, later scans of subtrees", () => {
    const scanArb = fc.record({
      mirrorId: fc.integer({ min: 1, max: 6 }),
      // "f1" holds f1 but not f10 or f2; "f" holds none of them.
      subtree: fc.constantFrom("", "f1", "f", "f10"),
      startedAt: fc.integer({ min: 0, max: 100 }),
      ok: fc.boolean(),
    });
    const seenArb = fc.record({
      mirrorId: fc.integer({ min: 1, max: 6 }),
      size: fc.integer({ min: 0, max: 3 }),
      mtime: fc.option(fc.integer({ min: -5_000, max: 5_000 }), { nil: null }),
      mtimeRes: fc.constantFrom(0, 1, 2, 60, 3600),
      seenAt: fc.integer({ min: 0, max: 100 }),
    });
    const fileArb = fc.tuple(
      fc.record({ size: fc.integer({ min: 0, max: 3 }), mtime: fc.integer({ min: -5_000, max: 5_000 }), changedAt: fc.integer({ min: 0, max: 100 }) }),
      fc.uniqueArray(seenArb, { selector: (s) => s.mirrorId, maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.array(fileArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 0, max: 100 }),
        fc.subarray([1, 2, 3, 4, 5]),
        fc.array(scanArb, { maxLength: 6 }),
        (files, tolerance, claimsFrom, known, scans) => {
          const got = holders(
            files.map(([o]) => o),
            files.map(([, s]) => s),
            tolerance,
            claimsFrom,
            known,
            scans,
          );
          files.forEach(([o, seen], i) => {
            const want = seen
              .filter((s) => oracle(o, { ...s, seenAt: seenAt(s, `f${i}`, scans) }, tolerance, claimsFrom, known))
              .map((s) => s.mirrorId)
              .sort((a, b) => a - b);
            expect(got.get(`f${i}`) ?? []).toEqual(want);
          });
        },
      ),
      { numRuns: 400 },
    );
  });
});
