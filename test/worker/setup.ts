import { applyD1Migrations, env } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      INDEX: KVNamespace;
      ORIGIN_URL: string;
      DEBUG_HEADERS: string;
      MIRROR_TABLE_TTL_SECONDS: string;
      TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    }
  }
}

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
