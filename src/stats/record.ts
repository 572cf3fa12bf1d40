/**
 * Counting off the response path: the event is judged a repeat and written after the response has
 * gone out (waitUntil). A failing sink or cache costs the count, never the download, and is logged
 * once per isolate.
 */

import { D1_DEADLINE_MS, withDeadline } from "../storage/deadline.js";
import { logOnce } from "../storage/log-once.js";
import type { CountEvent, CountKind } from "./event.js";
import type { RepeatMarks } from "./repeats.js";
import type { StatsSink } from "./sink.js";

export async function recordCount(sink: StatsSink, marks: RepeatMarks, e: CountEvent, repeatWindowSeconds: number): Promise<CountKind> {
  let kind = e.kind;
  if ((kind === "download" || kind === "metalink") && repeatWindowSeconds > 0) {
    try {
      if (await withDeadline(marks.seen(`${e.kind}|${e.network}|${e.path}`, repeatWindowSeconds), D1_DEADLINE_MS, "repeat marks")) kind = "repeat";
    } catch (err) {
      logOnce("stats: repeat marks unavailable, counting without them", err);
    }
  }
  try {
    // A hanging store must not hold the invocation open until the platform cuts it off.
    await withDeadline(Promise.resolve(sink.write(e, kind)), D1_DEADLINE_MS, "statistics store");
  } catch (err) {
    logOnce("stats: the statistics store failed, downloads go on uncounted", err);
  }
  return kind;
}
