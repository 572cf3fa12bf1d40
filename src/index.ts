import { createApp } from "./app.js";
import type { Env } from "./env.js";
import { probeMirrors } from "./scheduled/probe-mirrors.js";
import { expireStats } from "./scheduled/stats-retention.js";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env) {
    const [summary, expired] = await Promise.allSettled([probeMirrors(env), expireStats(env)]);
    if (expired.status === "rejected") console.error("mirrorhop: expiring statistics failed", expired.reason);
    if (summary.status === "rejected") throw summary.reason;
    console.log("mirrorhop probe round", JSON.stringify(summary.value));
  },
} satisfies ExportedHandler<Env>;
