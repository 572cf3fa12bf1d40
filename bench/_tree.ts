import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
const n = Number(process.argv[2]);
const dir = path.join(os.tmpdir(), `mirrorhop-bench-tree-${n}`);
if (!existsSync(path.join(dir, ".complete"))) {
  rmSync(dir, { recursive: true, force: true });
  for (let d = 0; d < n / 1000; d++) {
    const sub = path.join(dir, `d${String(d).padStart(4, "0")}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 1000; f++) closeSync(openSync(path.join(sub, `file-${f}.rpm`), "w"));
  }
  writeFileSync(path.join(dir, ".complete"), "");
}
console.log(dir);
