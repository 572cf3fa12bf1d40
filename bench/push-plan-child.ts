/**
 * Child of the push-plan memory benchmark. `seed STATE N PIECES`: an origin of N files (with 32 KiB
 * of piece hashes each when PIECES is 1, as a 4 GiB ISO has), all held by one mirror, pushed once
 * (the push record is written), printing the first push's time (a dry run: plan and files) and peak RSS. `plan STATE`:
 * plans the next push, which has nothing to write, and prints the same.
 */

import { parseConfig } from "../scripts/config/load.js";
import { buildIndex } from "../scripts/push/index-build.js";
import { rmSync } from "node:fs";
import { buildPlan } from "../scripts/push/plan.js";
import { push, recordLanded } from "../scripts/push/push.js";
import { openState, transaction } from "../scripts/state/db.js";

const [mode, file, n, withPieces] = process.argv.slice(2) as [string, string, string?, string?];
// Planning reads no URL: the mirror's address is never contacted.
const config = parseConfig(
  `[origin]\npath = "/unused"\nurl = "https://o.example/"\n[[mirror]]\nid = 1\nname = "m"\nhttp = "http://m.example/"\ncountry = "DE"\n`,
  "/bench/mirrorhop.toml",
);
const db = openState(file);

if (mode === "seed") {
  const pieces = Buffer.alloc(32 * 1024);
  transaction(db, () => {
    const o = db.prepare(
      "INSERT INTO origin_files (path, size, mtime, mtime_ns, ino, sha256, sha512, piece_size, pieces, changed_at) VALUES (?, ?, 1000, '0', '0', ?, ?, ?, ?, 1)",
    );
    const m = db.prepare("INSERT INTO mirror_files (mirror_id, path, size, mtime, mtime_res, seen_at) VALUES (1, ?, ?, 1000, 1, 2)");
    for (let i = 0; i < Number(n); i++) {
      pieces.writeUInt32BE(i, 0);
      const path = `releases/${i % 100}/image-${i}.iso`;
      o.run(
        path,
        4 * 1024 ** 3 + i,
        String(i).padStart(64, "0"),
        String(i).padStart(128, "0"),
        withPieces === "1" ? 4 * 1024 * 1024 : null,
        withPieces === "1" ? pieces : null,
      );
      m.run(path, 4 * 1024 ** 3 + i);
    }
  });
  // The first push as `push --dry-run` runs it: planned, and every SQL and bulk file written (all
  // but the wrangler calls), so values rendered late are counted too.
  const t = process.hrtime.bigint();
  const dry = await push(db, config, { kind: "local" }, { dryRun: true });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  rmSync(dry.planDir!, { recursive: true, force: true });
  // Then the push record, as a real push would leave it.
  const plan = await buildPlan(db, buildIndex(db, config), { generation: "g" });
  recordLanded(db, plan);
  console.log(
    JSON.stringify({ seconds, rssMiB: Math.round(process.resourceUsage().maxRSS / 1024), writes: plan.kvPut.length + plan.d1.length + plan.dirPut.length }),
  );
} else {
  const t = process.hrtime.bigint();
  const plan = await buildPlan(db, buildIndex(db, config), { generation: "g" });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(
    JSON.stringify({ seconds, rssMiB: Math.round(process.resourceUsage().maxRSS / 1024), writes: plan.kvPut.length + plan.d1.length + plan.dirPut.length }),
  );
}
db.close();
