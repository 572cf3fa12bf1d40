/**
 * The lines a child process prints, read from a file it writes instead of a pipe. A lister like
 * `rsync --list-only` flushes every line: through a pipe that is a read a line or three for us,
 * 300,000 reads for a million-entry listing, and those reads cost this process more CPU than
 * parsing and storing the lines did, taken from the child on a two-core runner. A file takes the
 * child's writes without waking us; we read it in megabyte steps behind the child, and the file
 * is unlinked as soon as it is open, so nothing is left behind whatever happens.
 */

import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import { closeSync, mkdtempSync, openSync, read, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { StringDecoder } from "node:string_decoder";
import { setTimeout as sleep } from "node:timers/promises";

/** How long to wait for more output when we have caught up with the child. */
const POLL_MS = 15;
const STEP = 1 << 20;

export interface ChildLines {
  child: ChildProcess;
  /** The child's stdout, a batch of whole lines (without their "\n") per read. */
  lines: AsyncIterable<string[]>;
  /** The exit code (null when killed), once the child has exited. */
  exit: Promise<number | null>;
}

/** Spawns `command` with stdout to an unlinked temporary file and stderr to a pipe (child.stderr). */
export function spawnLines(command: string, args: string[], options: Omit<SpawnOptions, "stdio"> = {}): ChildLines {
  const dir = mkdtempSync(path.join(os.tmpdir(), "mirrorhop-out-"));
  const fd = openSync(path.join(dir, "stdout"), "w+");
  rmSync(dir, { recursive: true, force: true });
  let child: ChildProcess;
  try {
    child = spawn(command, args, { ...options, stdio: ["ignore", fd, "pipe"] });
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let exited = false;
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on("error", (err) => {
      exited = true;
      reject(err);
    });
    child.on("close", (code) => {
      exited = true;
      resolve(code);
    });
  });
  // Waiting for output must not leave a failed spawn unhandled: the caller awaits `exit` for that.
  const settled = exit.then(
    () => undefined,
    () => undefined,
  );
  async function* lines(): AsyncGenerator<string[]> {
    const buf = Buffer.allocUnsafe(STEP);
    const decoder = new StringDecoder("utf8");
    let pos = 0;
    let carry = "";
    try {
      for (;;) {
        // Whether the child had exited before this read: if so, a read of nothing is the end.
        const finished = exited;
        const n = await readAt(fd, buf, pos);
        if (n > 0) {
          pos += n;
          const parts = (carry + decoder.write(buf.subarray(0, n))).split("\n");
          carry = parts.pop()!;
          yield parts;
        } else if (finished) break;
        else await Promise.race([settled, sleep(POLL_MS)]);
      }
      const last = carry + decoder.end();
      if (last) yield [last];
    } finally {
      closeSync(fd);
    }
  }
  return { child, lines: lines(), exit };
}

function readAt(fd: number, buf: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n))));
}
