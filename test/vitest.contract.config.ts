import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Port contract suites inside workerd: each suite runs the same cases against the embedded
 * adapter and the production one. The globalSetup starts the production stack in Node
 * (test/services/stack.ts) and its addresses arrive as the TEST_STACK binding; the archive
 * contract of the archive suite gets the stack's s3rver as TEST_S3.
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
            TEST_STACK: inject("stack"),
            TEST_S3: inject("stack").s3,
            // Nothing listens on the discard port: an unreachable S3 endpoint.
            TEST_S3_STOPPED_ENDPOINT: "http://127.0.0.1:9",
          },
        },
      })),
    ],
    test: {
      root,
      include: ["test/contract/**/*.test.ts", "test/worker/archive-store.test.ts"],
      // Node-side gateway checks run in test/vitest.node.config.ts.
      exclude: ["test/contract/gateways.test.ts"],
      setupFiles: ["test/worker/setup.ts"],
      globalSetup: ["test/services/global-setup.ts"],
      // The failure cases take shared services down: one file at a time.
      fileParallelism: false,
      testTimeout: 30_000,
    },
  };
});
