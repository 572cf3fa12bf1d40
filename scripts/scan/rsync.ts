/**
 * rsync listings through the real rsync binary: `rsync --list-only -r` against a daemon module
 * (rsync://host/module/path/) or rsync's URL form. Output is read in steps behind rsync
 * (child-lines.ts) into the sink, so a listing of millions of entries never sits in memory.
 */

import { spawnLines } from "../lib/child-lines.js";
import { type ListingEntry, ListingError, type ListingSink, type ListOptions, tooManyEntries } from "./listing.js";

// -rw-r--r--      4194304 2026/11/01 12:00:00 releases/1.0/x.iso
const LINE = /^([dlrwxstST-]{10})\s+([\d,]+) (\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) (.*)$/;

export async function listRsync(baseUrl: string, opts: ListOptions, sink: ListingSink): Promise<void> {
  const url = baseUrl + (opts.subtree ? opts.subtree.replace(/\/?$/, "/") : "");
  // -l: list symlinks with their targets, so links inside the tree resolve to what they point at.
  const args = ["--list-only", "-r", "-l", "-8", "--no-motd", "--no-human-readable", "--timeout=60", "--contimeout=30", url];
  // rsync prints times in the local zone of the machine running it: make that UTC.
  const { child, lines, exit } = spawnLines("rsync", args, { env: { ...process.env, TZ: "UTC", LC_ALL: "C" } });
  const links = new Map<string, string>();
  let stderr = "";
  let tooMany = false;
  child.stderr!.on("data", (d) => {
    if (stderr.length < 4096) stderr += d;
  });
  const onAbort = () => child.kill("SIGKILL");
  opts.signal.addEventListener("abort", onAbort);
  const exited = exit.catch((err: Error) => {
    throw new ListingError(url, `cannot run rsync: ${err.message}`);
  });
  // Awaited after the listing is read; until then a failed spawn must not count as unhandled.
  exited.catch(() => {});
  const prefix = opts.subtree ? opts.subtree.replace(/\/$/, "") + "/" : "";
  try {
    read: for await (const batch of lines) {
      for (const line of batch) {
        const m = LINE.exec(line);
        if (!m) continue;
        const [, mode, sizeText, y, mo, d, h, mi, s, rawName] = m;
        let name = unescapeRsync(rawName!);
        if (name === ".") continue;
        if (mode![0] === "d") continue;
        if (sink.added >= opts.maxEntries) {
          tooMany = true;
          child.kill("SIGKILL");
          break read;
        }
        if (mode![0] === "l") {
          const arrow = name.indexOf(" -> ");
          if (arrow > 0) links.set(prefix + name.slice(0, arrow), name.slice(arrow + 4));
          continue;
        }
        if (mode![0] !== "-") continue;
        name = prefix + name;
        sink.add({ path: name, size: Number(sizeText!.replace(/,/g, "")), mtime: Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000, mtimeRes: 1 });
      }
    }
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
  }
  const code = await exited;
  if (opts.signal.aborted) throw new ListingError(url, "timed out");
  if (tooMany) throw tooManyEntries(url, opts.maxEntries);
  // A subtree the mirror no longer has: it holds nothing there (rsync says so with exit 23).
  if (code === 23 && opts.subtree && /No such file or directory/.test(stderr) && sink.added === 0) return;
  if (code !== 0) throw new ListingError(url, `rsync exited with ${code}: ${stderr.trim().split("\n").slice(-1)[0] ?? ""}`);
  for (const e of resolveLinks(sink, links)) sink.add(e);
}

/** rsync writes unprintable bytes as \#ooo (octal). */
export function unescapeRsync(s: string): string {
  if (!s.includes("\\#")) return s;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < s.length; ) {
    if (s.startsWith("\\#", i) && /^[0-7]{3}$/.test(s.slice(i + 2, i + 5))) {
      bytes.push(parseInt(s.slice(i + 2, i + 5), 8));
      i += 5;
    } else {
      const cp = s.codePointAt(i)!;
      for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** A symlink on the mirror holds what its target holds, when the target is a listed file. */
function resolveLinks(sink: ListingSink, links: Map<string, string>): ListingEntry[] {
  if (links.size === 0) return [];
  const out: ListingEntry[] = [];
  for (const [link, target] of links) {
    if (target.startsWith("/")) continue;
    const dir = link.includes("/") ? link.slice(0, link.lastIndexOf("/")) : "";
    const parts: string[] = dir ? dir.split("/") : [];
    for (const seg of target.split("/")) {
      if (seg === "..") parts.pop();
      else if (seg !== "." && seg !== "") parts.push(seg);
    }
    const resolved = parts.join("/");
    const t = sink.get(resolved);
    if (t) out.push({ ...t, path: link });
    else {
      // A link to a directory: every file under it, under the link's name.
      for (const e of sink.under(resolved)) out.push({ ...e, path: link + e.path.slice(resolved.length) });
    }
  }
  return out;
}
