import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/** Unit tests of the browser app's pure modules (plain Node, no browser). */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/browser/unit/**/*.test.ts"],
  },
});
