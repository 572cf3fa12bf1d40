/** A synthetic scan state for the push benchmarks: n origin files, all held by mirror 1, 100 directories. */

import { type StateDb, transaction } from "../scripts/state/db.js";

/** Every `changedEvery`-th file gets another size and hash (salted), as a rescan after a change would record. */
export function fillSyntheticState(db: StateDb, n: number, changedEvery = 0, salt = "") {
  transaction(db, () => {
    const o = db.prepare("INSERT OR REPLACE INTO origin_files (path, size, mtime, mtime_ns, ino, sha256, changed_at) VALUES (?, ?, ?, '0', '0', ?, 1)");
    const m = db.prepare("INSERT OR REPLACE INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at) VALUES (1, ?, ?, ?, 1, 2)");
    for (let i = 0; i < n; i++) {
      const changed = changedEvery > 0 && i % changedEvery === 0;
      const size = 10_000 + i + (changed ? 1 : 0);
      o.run(`d${i % 100}/f${i}.rpm`, size, 1000, (changed ? salt : "").padEnd(64, "a").slice(0, 64));
      m.run(`d${i % 100}/f${i}.rpm`, size, 1000);
    }
  });
}
