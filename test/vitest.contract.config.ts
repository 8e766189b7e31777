import { workerdConfig } from "./workerd-config";

/**
 * Port contract suites inside workerd: each suite runs the same cases against the embedded
 * adapter and the production one. The globalSetup starts the production stack in Node
 * (test/services/stack.ts) and its addresses arrive as the TEST_STACK binding. The archive
 * contract (test/worker/archive-store.test.ts) runs in test:archive.
 */
export default workerdConfig({
  include: ["test/contract/**/*.test.ts"],
  // Node-side gateway checks run in test/vitest.node.config.ts.
  exclude: ["test/contract/gateways.test.ts"],
  globalSetup: ["test/services/global-setup.ts"],
  bindings: (inject) => ({ TEST_STACK: inject("stack") }),
  // The failure cases take shared services down: one file at a time.
  test: { fileParallelism: false, testTimeout: 30_000 },
});
