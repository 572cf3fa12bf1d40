/**
 * What a push spends of the platform's quotas, said before it writes (docs/plans-and-limits.md).
 * Every key a bulk request writes or deletes counts as one KV write or delete.
 */

import type { PushPlan } from "./plan.js";

/** Workers Free: KV writes and deletes per day, each. Workers Paid includes 1 M a month of each. */
export const FREE_KV_WRITES_PER_DAY = 1_000;

export interface PushCost {
  kvWrites: number;
  kvDeletes: number;
  d1Statements: number;
}

export function pushCost(plan: PushPlan): PushCost {
  return {
    kvWrites: plan.kvPut.length + plan.packPut.length + plan.dirPut.length + tableWrites(plan),
    kvDeletes: plan.kvDelete.length + plan.packDelete.length + plan.dirDelete.length,
    d1Statements: plan.d1.length,
  };
}

export function costLines(c: PushCost): string[] {
  const lines = [`KV: ${c.kvWrites} writes, ${c.kvDeletes} deletes; D1: ${c.d1Statements} statements`];
  for (const [n, what] of [
    [c.kvWrites, "writes"],
    [c.kvDeletes, "deletes"],
  ] as const) {
    if (n > FREE_KV_WRITES_PER_DAY) {
      lines.push(
        `warning: ${n} KV ${what} is more than Workers Free allows in a day (${FREE_KV_WRITES_PER_DAY.toLocaleString("en")}): on Free, KV refuses the rest and this push stops part-way (run it again the next day, it resumes); Workers Paid includes 1,000,000 a month, then $5 per million`,
      );
    }
  }
  return lines;
}

/** The small keys push.ts writes besides records and listings: the table (and its transition), the push stamp. */
export function tableWrites(plan: Pick<PushPlan, "table" | "transitionTable" | "stamp">): number {
  return (plan.table ? 1 : 0) + (plan.transitionTable ? 1 : 0) + (plan.stamp ? 1 : 0);
}
