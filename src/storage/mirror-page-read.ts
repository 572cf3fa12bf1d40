/**
 * What the per-mirror page reads beyond the status view: the mirror's last failed probes (by the
 * index on mirror and time) and, among the files added most recently, those it does not hold.
 * Both bounded: an anonymous view of the page costs at most RECENT_FILES + FAILURES rows.
 */

import { decodeMirrorSet } from "../core/file-record.js";
import { toBytes } from "../db/rows.js";

export const RECENT_FILES = 2000;
const FAILURES = 20;

export interface MirrorExtras {
  failures: { at: number; scheme: string; family: number | null; error: string | null }[];
  /** How many of the recent files were looked at, and those of them the mirror lacks. */
  recentChecked: number;
  lacking: string[];
}

export async function readMirrorExtras(db: D1Database, mirrorId: number): Promise<MirrorExtras> {
  const [failures, recent] = await Promise.all([
    db
      .prepare("SELECT at, scheme, family, error FROM probe_history WHERE mirror_id = ? ORDER BY at DESC LIMIT ?")
      .bind(mirrorId, FAILURES)
      .all<MirrorExtras["failures"][number]>(),
    // By rowid, newest first: no index needed, and a new release's files are the newest rows.
    db.prepare("SELECT path, mirrors FROM files ORDER BY id DESC LIMIT ?").bind(RECENT_FILES).all<{ path: string; mirrors: ArrayBuffer | number[] }>(),
  ]);
  const lacking = recent.results.filter((r) => !decodeMirrorSet(toBytes(r.mirrors)).includes(mirrorId)).map((r) => r.path);
  return { failures: failures.results, recentChecked: recent.results.length, lacking };
}
