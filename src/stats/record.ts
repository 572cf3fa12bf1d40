/**
 * Counting off the response path. A store that takes a data point synchronously (Analytics
 * Engine) is written in place, with no timer and no waitUntil; what must wait (the repeat marks,
 * D1) runs after the response has gone out. A failing sink or cache costs the count, never the
 * download, and is logged once per isolate.
 */

import { D1_DEADLINE_MS, withDeadline } from "../storage/deadline.js";
import { logOnce } from "../storage/log-once.js";
import type { CountEvent, CountKind } from "./event.js";
import type { RepeatMarks } from "./repeats.js";
import type { StatsSink } from "./sink.js";

const SINK_FAILED = "stats: the statistics store failed, downloads go on uncounted";

function write(sink: StatsSink, e: CountEvent, kind: CountKind): Promise<CountKind> | CountKind {
  try {
    const pending = sink.write(e, kind);
    // A hanging store must not hold the invocation open until the platform cuts it off.
    if (pending)
      return withDeadline(pending, D1_DEADLINE_MS, "statistics store").then(
        () => kind,
        (err) => (logOnce(SINK_FAILED, err), kind),
      );
  } catch (err) {
    logOnce(SINK_FAILED, err);
  }
  return kind;
}

/** The kind the event was counted as; a promise only when something had to wait. */
export function recordCount(sink: StatsSink, marks: RepeatMarks, e: CountEvent, repeatWindowSeconds: number): Promise<CountKind> | CountKind {
  if (!((e.kind === "download" || e.kind === "metalink") && repeatWindowSeconds > 0)) return write(sink, e, e.kind);
  const seen = marks.seen(`${e.kind}|${e.network}|${e.path}`, repeatWindowSeconds);
  if (typeof seen === "boolean") return write(sink, e, seen ? "repeat" : e.kind);
  return withDeadline(seen, D1_DEADLINE_MS, "repeat marks").then(
    (s) => write(sink, e, s ? "repeat" : e.kind),
    (err) => (logOnce("stats: repeat marks unavailable, counting without them", err), write(sink, e, e.kind)),
  );
}
