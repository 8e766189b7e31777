import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";
import type { StackInfo } from "./services/stack.ts";
import { workerdProject } from "./support/workerd-project.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const migrations = await readD1Migrations(`${root}/migrations/d1`);
/** The events project's Worker has Web Push on: a fresh VAPID pair per run (P-256, base64url point and scalar). */
const vapid = await (async () => {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const publicKey = Buffer.from(await crypto.subtle.exportKey("raw", pair.publicKey)).toString("base64url");
  return { publicKey, privateKey: (await crypto.subtle.exportKey("jwk", pair.privateKey)).d! };
})();

/** Each project's folders: a test file belongs to the project of its deepest folder. */
const FOLDERS = {
  worker: ["test/http", "test/auth", "test/consultations", "test/chat", "test/room", "test/attachments", "test/inbox", "test/protocol"],
  // The room suites that need a hot-store TTL of 3.6 s (projects history and history-upstash).
  history: ["test/room/short-ttl"],
  events: ["test/events"],
  archive: ["test/archive", "test/cron"],
  contract: ["test/contract"],
  node: ["test/node"],
  "browser-unit": ["test/browser/unit"],
  "bench-checker": ["test/bench"],
};
type Project = keyof typeof FOLDERS;

const SHORT_TTL_HOURS = "0.001";

// A test file outside every project's folders would silently never run: refuse to start.
const homeless = readdirSync(`${root}/test`, { recursive: true, encoding: "utf8" })
  .map((file) => `test/${file.replaceAll("\\", "/")}`)
  .filter((file) => file.endsWith(".test.ts") && !Object.values(FOLDERS).flat().some((folder) => file.startsWith(`${folder}/`)));
if (homeless.length) {
  throw new Error(`test files outside every project's folders (test/vitest.config.ts FOLDERS): ${homeless.join(", ")}`);
}

/**
 * What `project` leaves out: the folders of other projects that lie inside its own
 * (history's test/room/short-ttl inside worker's test/room), so each file runs in the
 * project of its deepest folder only.
 */
function excludeNested(project: Project): string[] {
  const nested = Object.entries(FOLDERS)
    .filter(([other]) => other !== project)
    .flatMap(([, folders]) => folders)
    .filter((folder) => FOLDERS[project].some((own) => folder.startsWith(`${own}/`)));
  return [...configDefaults.exclude, ...nested.map((folder) => `${folder}/**`)];
}

/**
 * The one vitest config. A project is a set of test folders plus where they run; pick one
 * with `vitest run --config test/vitest.config.ts --project <name>` (npm run test:<name>).
 *
 * - worker: inside workerd, the Worker, its rooms and inboxes (http, auth, consultations,
 *   chat, room, inbox, attachments on the R2 binding).
 * - history, history-upstash: inside workerd with CHAT_TTL_HOURS=0.001 (3.6 s), so the hot
 *   store really expires mid-test: on the embedded adapter, and on Upstash (redis-server
 *   behind the gateway of the production stack). SPEC section 6's "nor does one disappear".
 * - archive: inside workerd with a real s3rver (test/services/s3rver.ts) handed in, so the
 *   archive and cron suites run against the R2 binding and the S3 adapter (the S3 half of
 *   attachments, presigned URLs, is test/archive/attachments-presigned.test.ts).
 * - events: inside workerd, the notification senders against the push, FCM and webhook
 *   stand-ins of test/services (their full behaviour is tested in Node, test/node/events).
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
        folders: FOLDERS.worker,
        // test/room/short-ttl needs its own TTL: the history projects below.
        test: { exclude: excludeNested("worker") },
      }),
      workerdProject(root, migrations, {
        name: "history",
        folders: FOLDERS.history,
        bindings: () => ({ CHAT_TTL_HOURS: SHORT_TTL_HOURS }),
        test: { testTimeout: 60_000 },
      }),
      workerdProject(root, migrations, {
        name: "history-upstash",
        folders: FOLDERS.history,
        globalSetup: ["test/services/global-setup.ts"],
        bindings: (inject) => {
          const { upstash } = inject<StackInfo>("stack");
          return { CHAT_TTL_HOURS: SHORT_TTL_HOURS, UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token };
        },
        test: { testTimeout: 60_000 },
      }),
      workerdProject(root, migrations, {
        name: "archive",
        folders: FOLDERS.archive,
        globalSetup: ["test/services/s3rver.ts"],
        bindings: (inject) => ({
          TEST_S3: inject("s3"),
          TEST_S3_STOPPED_ENDPOINT: inject("s3StoppedEndpoint"),
        }),
      }),
      workerdProject(root, migrations, {
        name: "events",
        folders: FOLDERS.events,
        // Push service, FCM and webhook receiver stand-ins, started in Node.
        globalSetup: ["test/services/push-service.ts", "test/services/fcm-service.ts", "test/services/webhook-receiver.ts"],
        bindings: (inject) => {
          const fcm = inject<{ url: string; account: unknown }>("fcmService");
          const hooks = inject<{ url: string; secret: string }>("webhookReceiver");
          return {
            TEST_PUSH_SERVICE: inject("pushServiceUrl"),
            TEST_FCM: fcm,
            TEST_WEBHOOK_RECEIVER: hooks,
            // The Worker itself pushes and posts webhooks to the stand-ins (test/events/notify-*.test.ts).
            VAPID_PUBLIC_KEY: vapid.publicKey,
            VAPID_PRIVATE_KEY: vapid.privateKey,
            VAPID_SUBJECT: "mailto:ops@example.edu",
            PUSH_BATCH_SECONDS: "1",
            FCM_SERVICE_ACCOUNT: JSON.stringify(fcm.account),
            FCM_ENDPOINT: fcm.url,
            WEBHOOK_URLS: hooks.url,
            WEBHOOK_SECRET: hooks.secret,
          };
        },
      }),
      workerdProject(root, migrations, {
        name: "contract",
        folders: FOLDERS.contract,
        globalSetup: ["test/services/global-setup.ts"],
        bindings: (inject) => ({ TEST_STACK: inject("stack") }),
        // The failure cases take shared services down: one file at a time.
        test: { fileParallelism: false, testTimeout: 30_000 },
      }),
      {
        test: {
          name: "node",
          root,
          include: FOLDERS.node.map((folder) => `${folder}/**/*.test.ts`),
          // The production stack (redis-server, MariaDB, s3rver and their gateways), as
          // `inject("stack")`; with STACK=production the e2e suite runs the Worker on it.
          globalSetup: ["test/services/global-setup.ts"],
          // Two cores: e2e files each drive a wrangler dev; one file at a time keeps them honest.
          fileParallelism: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      { test: { name: "browser-unit", root, include: FOLDERS["browser-unit"].map((folder) => `${folder}/**/*.test.ts`) } },
      { test: { name: "bench-checker", root, include: FOLDERS["bench-checker"].map((folder) => `${folder}/**/*.test.ts`) } },
    ],
  },
});
