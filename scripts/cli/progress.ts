/** Progress for long jobs: a bar on a TTY, a plain line every few seconds otherwise (CI logs). */

import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, note?: string): void;
  /** A result line: above the bar on a TTY, on stdout otherwise. */
  log(line: string): void;
  stop(summary?: string): void;
}

/** "12.5 MiB/s, 3 min left": the rate so far and the time the rest takes at it; empty until a second has passed. */
export function rateAndEta(done: number, total: number, elapsedMs: number, unit: "bytes" | "items"): string {
  if (elapsedMs < 1000 || done <= 0) return "";
  const perSecond = (done * 1000) / elapsedMs;
  const rate = unit === "bytes" ? `${(perSecond / 1048576).toFixed(1)} MiB/s` : `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)}/s`;
  if (done >= total) return rate;
  const left = (total - done) / perSecond;
  const eta = left < 90 ? `${Math.ceil(left)} s` : left < 5400 ? `${Math.round(left / 60)} min` : `${(left / 3600).toFixed(1)} h`;
  return `${rate}, ${eta} left`;
}

export function progress(label: string, total: number, unit: "bytes" | "items", out: NodeJS.WriteStream = process.stderr): Progress {
  const fmt = (n: number) => (unit === "bytes" ? `${(n / 1048576).toFixed(1)} MiB` : String(n));
  const started = Date.now();
  const speed = (done: number) => {
    const r = rateAndEta(done, total, Date.now() - started, unit);
    return r ? ` ${r}` : "";
  };
  if (out.isTTY && process.env.CI !== "true") {
    // A MultiBar of one: it can print lines above the bar without tearing it.
    const bars = new cliProgress.MultiBar(
      { format: `${label} [{bar}] {percentage}% {done}/{all}{speed} {note}`, hideCursor: true, stream: out },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(total, 0, { done: fmt(0), all: fmt(total), speed: "", note: "" });
    return {
      update: (done, note = "") => bar.update(done, { done: fmt(done), all: fmt(total), speed: speed(done), note }),
      log: (line) => {
        bars.log(line + "\n");
        // Lines wait for the next redraw; draw now so none is lost if the job ends first.
        bars.update();
      },
      stop: (summary) => {
        bars.stop();
        if (summary) out.write(`${label}: ${summary}\n`);
      },
    };
  }
  let last = 0;
  return {
    update(done, note) {
      const now = Date.now();
      if (now - last < 5000 && done < total) return;
      last = now;
      out.write(`${label}: ${fmt(done)}/${fmt(total)}${total ? ` (${Math.floor((100 * done) / total)}%)` : ""}${speed(done)}${note ? ` ${note}` : ""}\n`);
    },
    log: (line) => void process.stdout.write(line + "\n"),
    stop(summary) {
      if (summary) out.write(`${label}: ${summary}\n`);
    },
  };
}
