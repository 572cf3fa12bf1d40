/**
 * CPU seconds spent so far by every workerd process on the machine (user + system, from
 * /proc/<pid>/stat). While one local Worker is under load and the others idle, the difference
 * over a run is that Worker's CPU: a measure of cost that, unlike requests per second, does not
 * move with how the load generator and the server happen to share two cores.
 */

import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100;

export function workerdCpuSeconds(): number {
  let ticks = 0;
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue;
    }
    // "pid (comm) state …": the name may hold spaces, so fields are counted after the last ')'.
    const close = stat.lastIndexOf(")");
    if (stat.slice(stat.indexOf("(") + 1, close) !== "workerd") continue;
    const fields = stat.slice(close + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}
