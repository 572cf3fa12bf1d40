/** Progress for long jobs: a bar on a TTY, a plain line every few seconds otherwise (CI logs). */

import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, note?: string): void;
  /** A result line: above the bar on a TTY, on stdout otherwise. */
  log(line: string): void;
  stop(summary?: string): void;
}

export function progress(label: string, total: number, unit: "bytes" | "items", out: NodeJS.WriteStream = process.stderr): Progress {
  const fmt = (n: number) => (unit === "bytes" ? `${(n / 1048576).toFixed(1)} MiB` : String(n));
  if (out.isTTY && process.env.CI !== "true") {
    // A MultiBar of one: it can print lines above the bar without tearing it.
    const bars = new cliProgress.MultiBar(
      { format: `${label} [{bar}] {percentage}% {done}/{all} {note}`, hideCursor: true, stream: out },
      cliProgress.Presets.shades_classic,
    );
    const bar = bars.create(total, 0, { done: fmt(0), all: fmt(total), note: "" });
    return {
      update: (done, note = "") => bar.update(done, { done: fmt(done), all: fmt(total), note }),
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
      out.write(`${label}: ${fmt(done)}/${fmt(total)}${total ? ` (${Math.floor((100 * done) / total)}%)` : ""}${note ? ` ${note}` : ""}\n`);
    },
    log: (line) => void process.stdout.write(line + "\n"),
    stop(summary) {
      if (summary) out.write(`${label}: ${summary}\n`);
    },
  };
}
