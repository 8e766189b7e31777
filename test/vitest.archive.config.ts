import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Archive and cron tests inside workerd, with a real s3rver (started in Node by the
 * globalSetup of test/services/s3rver.ts) handed in as bindings, so the same suites run
 * against the R2 binding and the S3 adapter. Without these bindings (the plain worker
 * config) the S3 half of each suite is skipped and the R2 half still runs.
 */
export default defineConfig(async () => {
  const migrations = await readD1Migrations(`${root}/migrations/d1`);
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: "test-secret-that-is-long-enough-for-hs256",
            TEST_S3: inject("s3"),
            TEST_S3_STOPPED_ENDPOINT: inject("s3StoppedEndpoint"),
          },
        },
      })),
    ],
    test: {
      root,
      include: ["test/worker/archive*.test.ts", "test/worker/cron*.test.ts"],
      setupFiles: ["test/worker/setup.ts"],
      globalSetup: ["test/services/s3rver.ts"],
    },
  };
});
