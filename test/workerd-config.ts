import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * wrangler also loads a developer's `.dev.vars` (written by `npm run dev`) into the test
 * Worker; blank values (= not set, see src/config.ts) keep those local settings out of tests.
 */
const LOCAL_ONLY_VARS = [
  "JWT_JWKS", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "DEV_AUTH", "ALLOWED_ORIGINS",
  "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN",
  "S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
  "DATABASE_HOST", "DATABASE_USERNAME", "DATABASE_PASSWORD",
  "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT",
];

type Inject = <T>(key: string) => T;

export interface WorkerdSuite {
  include: string[];
  exclude?: string[];
  /** Starts services in Node and `provide()`s their addresses. */
  globalSetup?: string[];
  /** Extra bindings, e.g. addresses from the globalSetup through `inject`. */
  bindings?: (inject: Inject) => Record<string, unknown>;
  test?: ViteUserConfig["test"];
}

/**
 * One vitest config for a suite that runs inside workerd with the bindings of
 * wrangler.toml and the D1 migrations applied (test/worker/setup.ts). The worker, archive
 * and contract suites differ only in their files and the services they are handed.
 */
export function workerdConfig(suite: WorkerdSuite) {
  return defineConfig(async () => {
    const migrations = await readD1Migrations(`${root}/migrations/d1`);
    return {
      plugins: [
        cloudflareTest(async ({ inject }) => ({
          wrangler: { configPath: `${root}/wrangler.toml` },
          miniflare: {
            bindings: {
              ...Object.fromEntries(LOCAL_ONLY_VARS.map((name) => [name, ""])),
              TEST_MIGRATIONS: migrations,
              JWT_SECRET: "test-secret-that-is-long-enough-for-hs256",
              ...suite.bindings?.(inject as Inject),
            },
          },
        })),
      ],
      test: {
        root,
        include: suite.include,
        exclude: suite.exclude ?? [],
        setupFiles: ["test/worker/setup.ts"],
        globalSetup: suite.globalSetup ?? [],
        ...suite.test,
      },
    };
  });
}
