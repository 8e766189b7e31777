import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import type { StackInfo } from "./services/stack.ts";
import { workerdProject } from "./support/workerd-project.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const migrations = await readD1Migrations(`${root}/migrations/d1`);

/** The suites that run with a hot-store TTL of 3.6 s (projects history and history-upstash). */
const SHORT_TTL_FOLDER = "test/room/short-ttl";
const SHORT_TTL_TESTS = `${SHORT_TTL_FOLDER}/**`;
const SHORT_TTL_HOURS = "0.001";

/**
 * The one vitest config. A project is a set of test folders plus where they run; pick one
 * with `vitest run --config test/vitest.config.ts --project <name>` (npm run test:<name>).
 *
 * - worker: inside workerd, the Worker and its rooms (http, auth, consultations, chat, room).
 * - history, history-upstash: inside workerd with CHAT_TTL_HOURS=0.001 (3.6 s), so the hot
 *   store really expires mid-test: on the embedded adapter, and on Upstash (redis-server
 *   behind the gateway of the production stack). SPEC section 6's "nor does one disappear".
 * - archive: inside workerd with a real s3rver (test/services/s3rver.ts) handed in, so the
 *   archive and cron suites run against the R2 binding and the S3 adapter.
 * - contract: port contract suites inside workerd, each case against the embedded adapter
 *   and the production one (the stack of test/services/stack.ts, as TEST_STACK).
 * - node: in Node, against `wrangler dev` (e2e) and the stack's gateways.
 * - browser-unit: the browser app's pure modules, in Node.
 * - bench-checker: the benchmark's integrity checker, in Node.
 */
export default defineConfig({
  test: {
    projects: [
      workerdProject(root, migrations, {
        name: "worker",
        folders: ["test/http", "test/auth", "test/consultations", "test/chat", "test/room"],
        // Needs its own TTL: the history projects below.
        test: { exclude: [...configDefaults.exclude, SHORT_TTL_TESTS] },
      }),
      workerdProject(root, migrations, {
        name: "history",
        folders: [SHORT_TTL_FOLDER],
        bindings: () => ({ CHAT_TTL_HOURS: SHORT_TTL_HOURS }),
        test: { testTimeout: 60_000 },
      }),
      workerdProject(root, migrations, {
        name: "history-upstash",
        folders: [SHORT_TTL_FOLDER],
        globalSetup: ["test/services/global-setup.ts"],
        bindings: (inject) => {
          const { upstash } = inject<StackInfo>("stack");
          return { CHAT_TTL_HOURS: SHORT_TTL_HOURS, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token };
        },
        test: { testTimeout: 60_000 },
      }),
      workerdProject(root, migrations, {
        name: "archive",
        folders: ["test/archive", "test/cron"],
        globalSetup: ["test/services/s3rver.ts"],
        bindings: (inject) => ({
          TEST_S3: inject("s3"),
          TEST_S3_STOPPED_ENDPOINT: inject("s3StoppedEndpoint"),
        }),
      }),
      workerdProject(root, migrations, {
        name: "contract",
        folders: ["test/contract"],
        globalSetup: ["test/services/global-setup.ts"],
        bindings: (inject) => ({ TEST_STACK: inject("stack") }),
        // The failure cases take shared services down: one file at a time.
        test: { fileParallelism: false, testTimeout: 30_000 },
      }),
      {
        test: {
          name: "node",
          root,
          include: ["test/node/**/*.test.ts"],
          // The production stack (redis-server, MariaDB, s3rver and their gateways), as
          // `inject("stack")`; with STACK=production the e2e suite runs the Worker on it.
          globalSetup: ["test/services/global-setup.ts"],
          // Two cores: e2e files each drive a wrangler dev; one file at a time keeps them honest.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      { test: { name: "browser-unit", root, include: ["test/browser/unit/**/*.test.ts"] } },
      { test: { name: "bench-checker", root, include: ["test/bench/**/*.test.ts"] } },
    ],
  },
});
