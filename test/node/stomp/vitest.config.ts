import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * The STOMP/SockJS protocol tests: pure modules and real clients (@stomp/stompjs,
 * sockjs-client) against a small Node harness. They need none of the stack that
 * test/vitest.node.config.ts starts, so they run on their own.
 */
export default defineConfig({
  test: {
    root,
    include: ["test/node/stomp/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
