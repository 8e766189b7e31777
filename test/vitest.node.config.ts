import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Node-side tests: the end-to-end suite against `wrangler dev` (test/node/**) and the
 * gateway checks (test/contract/gateways.test.ts). The globalSetup starts the production
 * stack (redis-server, MariaDB, s3rver and their gateways) and provides it as
 * `inject("stack")`; with STACK=production the e2e suite runs the Worker on that stack.
 */
export default defineConfig({
  test: {
    root,
    include: ["test/node/**/*.test.ts", "test/contract/gateways.test.ts"],
    globalSetup: ["test/services/global-setup.ts"],
    // Two cores: e2e files each drive a wrangler dev; one file at a time keeps them honest.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
