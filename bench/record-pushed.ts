/** What a push that landed leaves in the state (its digests), for benchmarks that plan the push after it without a store. */

import type { PushPlan } from "../scripts/push/plan.js";
import { type StateDb, transaction } from "../scripts/state/db.js";

export function recordPushed(db: StateDb, plan: PushPlan): void {
  transaction(db, () => {
    const st = db.prepare("INSERT OR REPLACE INTO pushed_files (path, digest) VALUES (?, ?)");
    for (const p of plan.kvPut) st.run(p.path, p.digest);
    const meta = db.prepare("INSERT OR REPLACE INTO pushed_meta (key, value) VALUES (?, ?)");
    meta.run("table_digest", plan.tableDigest);
    if (plan.statsDigest) meta.run("stats_digest", plan.statsDigest);
    const dirs = db.prepare("INSERT OR REPLACE INTO pushed_dirs (dir, digest) VALUES (?, ?)");
    for (const d of plan.dirPut) dirs.run(d.dir, d.digest);
    const packs = db.prepare("INSERT OR REPLACE INTO pushed_packs (id, digest) VALUES (?, ?)");
    for (const p of plan.packPut) packs.run(p.id, p.digest);
  });
}
