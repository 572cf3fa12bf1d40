import { createApp } from "./app.js";
import type { Env } from "./env.js";
import { probeMirrors } from "./scheduled/probe-mirrors.js";

const app = createApp();

export default {
  fetch: app.fetch,
  async scheduled(_controller, env) {
    const summary = await probeMirrors(env);
    console.log("mirrorhop probe round", JSON.stringify(summary));
  },
} satisfies ExportedHandler<Env>;
