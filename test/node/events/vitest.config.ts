import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("../../..", import.meta.url));

/**
 * The delivery senders against their local stand-ins (test/services/push-service.ts,
 * fcm-service.ts, webhook-receiver.ts), in Node. Each file starts its own stand-ins, so
 * this suite needs none of the production stack that test/vitest.node.config.ts starts;
 * that config picks these files up too (test/node/**).
 */
export default defineConfig({
  test: {
    root,
    include: ["test/node/events/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
