import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        // Worker tests run inside workerd with real local D1 and KV, migrations applied.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                TEST_MIGRATIONS: await readD1Migrations("./migrations"),
                // Re-read the mirror table on every request so each test sees what it seeded.
                MIRROR_TABLE_TTL_SECONDS: "0",
                FILE_RECORD_TTL_SECONDS: "0",
                STATS_CACHE_SECONDS: "0",
                ORIGIN_URL: "https://origin.test/pub/",
                DEBUG_HEADERS: "true",
              },
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          setupFiles: ["./test/worker/setup.ts"],
          // Vitest's default of 5 s is a timing assertion: the property tests take 3.5-5 s alone on
          // this 2-core machine and more beside the node project's servers. A hang still fails.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
