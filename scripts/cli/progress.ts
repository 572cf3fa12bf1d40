/** Progress for long jobs: a bar on a TTY, a plain line every few seconds otherwise (CI logs). */

import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, note?: string): void;
  stop(summary?: string): void;
}

export function progress(label: string, total: number, unit: "bytes" | "items", out: NodeJS.WriteStream = process.stderr): Progress {
  const fmt = (n: number) => (unit === "bytes" ? `${(n / 1048576).toFixed(1)} MiB` : String(n));
  if (out.isTTY && process.env.CI !== "true") {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {done}/{all} {note}`, hideCursor: true, stream: out },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { done: fmt(0), all: fmt(total), note: "" });
    return {
      update: (done, note = "") => bar.update(done, { done: fmt(done), all: fmt(total), note }),
      stop: (summary) => {
        bar.stop();
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
    stop(summary) {
      if (summary) out.write(`${label}: ${summary}\n`);
    },
  };
}
