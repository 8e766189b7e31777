import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** The benchmark's own unit tests (its integrity checker), in Node. */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/bench/**/*.test.ts"],
  },
});
