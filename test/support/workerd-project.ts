import { cloudflareTest } from "@cloudflare/vitest-plugin";
import type { readD1Migrations } from "@cloudflare/vitest-plugin";
import type { TestProjectInlineConfiguration } from "vitest/config";

/**
 * wrangler also loads a developer's `.dev.vars` (written by `npm run dev`) into the test
 * Worker; blank values (= not set, see src/config/config.ts) keep those local settings out of tests.
 */
const LOCAL_ONLY_VARS = [
  "JWT_JWKS", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "DEV_AUTH", "ALLOWED_ORIGINS",
  "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT",
  "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN",
  "S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
  "DATABASE_HOST", "DATABASE_USERNAME", "DATABASE_PASSWORD",
];

type Inject = <T>(key: string) => T;

export interface WorkerdSuite {
  name: string;
  /** Test folders (relative to the repository root); a suite is its folders. */
  folders: string[];
  /** Starts services in Node and `provide()`s their addresses. */
  globalSetup?: string[];
  /** Extra bindings, e.g. addresses from the globalSetup through `inject`. */
  bindings?: (inject: Inject) => Record<string, unknown>;
  test?: TestProjectInlineConfiguration["test"];
}

/**
 * A vitest project that runs inside workerd with the bindings of wrangler.toml and the D1
 * migrations applied (test/support/workerd-setup.ts). The worker, archive and contract
 * projects differ only in their folders and the services they are handed.
 */
export function workerdProject(root: string, migrations: Awaited<ReturnType<typeof readD1Migrations>>, suite: WorkerdSuite): TestProjectInlineConfiguration {
  return {
    plugins: [
      cloudflareTest(async ({ inject }) => ({
        wrangler: { configPath: `${root}/wrangler.toml` },
        // The deployed Worker, with a RoomDO subclass that tests can hand failing parts.
        main: `${root}/test/support/test-worker.ts`,
        miniflare: {
          bindings: {
            ...Object.fromEntries(LOCAL_ONLY_VARS.map((name) => [name, ""])),
            TEST_MIGRATIONS: migrations,
            JWT_SECRET: "test-secret-that-is-long-enough-for-hs256",
            // The suites share one D1 and create hundreds of consultations as a handful of
            // fixed users; the per-user limits are tested with their own env (test/consultations/limits.test.ts).
            MAX_OPEN_REQUESTS: "0",
            CREATES_PER_HOUR: "0",
            ...suite.bindings?.(inject as Inject),
          },
        },
      })),
    ],
    test: {
      name: suite.name,
      root,
      include: suite.folders.map((folder) => `${folder}/**/*.test.ts`),
      setupFiles: ["test/support/workerd-setup.ts"],
      globalSetup: suite.globalSetup ?? [],
      ...suite.test,
    },
  };
}
