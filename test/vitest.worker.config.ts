import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Worker tests: run inside workerd with the bindings of wrangler.toml. */
export default defineConfig(async () => {
  const migrations = await readD1Migrations(`${root}/migrations/d1`);
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: `${root}/wrangler.toml` },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: "test-secret-that-is-long-enough-for-hs256",
          },
        },
      }),
    ],
    test: {
      root,
      include: ["test/worker/**/*.test.ts"],
      setupFiles: ["test/worker/setup.ts"],
    },
  };
});
