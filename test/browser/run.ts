/**
 * Browser tests (`npm run test:browser`): builds the app, runs the unit tests of its pure
 * modules, starts `wrangler dev` (free port, temporary state, DEV_AUTH=true), then drives
 * Debian's headless Chromium through each scenario with fresh browser contexts.
 * Screenshots land in test-artifacts/screenshots/. Ends with `browser: N passed, N failed`.
 * `STACK=production npm run test:browser` runs them on the production stack instead.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { startDevServer, type DevServer } from "../node/support/dev-server";
import { startStack } from "../services/stack";
import { SCREENSHOTS, launchBrowser, makeWorld, type Scenario } from "./support/harness";
import { adminAndLayout } from "./scenarios/admin-and-layout";
import { attachments } from "./scenarios/attachments";
import { keyboardOnly } from "./scenarios/keyboard-only";
import { liveInbox } from "./scenarios/live-inbox";
import { networkDrop } from "./scenarios/network-drop";
import { scheduledConsultation } from "./scenarios/scheduled-consultation";
import { securityHeaders } from "./scenarios/security-headers";
import { stompClients } from "./scenarios/stomp-clients";
import { supportQueue } from "./scenarios/support-queue";
import { tokenHandoff } from "./scenarios/token-handoff";
import { rejectAndCancel, transferToQueue } from "./scenarios/transfer-reject-cancel";
import { webPush } from "./scenarios/web-push";
import { dashboardLive, deliveryTicks, queuePositionFalls, workspaceThree } from "./scenarios/workspace";
import { accessibilityAndScreens, workspacePhoneAndKeyboard } from "./scenarios/workspace-access";

const scenarios: Scenario[] = [
  scheduledConsultation,
  networkDrop,
  supportQueue,
  liveInbox,
  transferToQueue,
  rejectAndCancel,
  keyboardOnly,
  tokenHandoff,
  adminAndLayout,
  securityHeaders,
  attachments,
  stompClients,
  webPush,
  workspaceThree,
  queuePositionFalls,
  deliveryTicks,
  dashboardLive,
  workspacePhoneAndKeyboard,
  accessibilityAndScreens,
];
const only = process.argv[2];
const root = new URL("../..", import.meta.url).pathname;
let passed = 0;
let failed = 0;

function npm(args: string[]): boolean {
  return spawnSync("npm", args, { cwd: root, stdio: "inherit" }).status === 0;
}

async function main(): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  for (const f of readdirSync(SCREENSHOTS)) if (f.startsWith("failed-")) rmSync(SCREENSHOTS + f);
  if (!npm(["run", "-s", "build:web"])) {
    failed++;
    console.error("✗ build:web failed");
    return;
  }
  if (!only) {
    const ok = npm(["exec", "--", "vitest", "run", "--config", "test/vitest.config.ts", "--project", "browser-unit"]);
    console.log(`${ok ? "✓" : "✗"} unit tests of the app's state and rules`);
    ok ? passed++ : failed++;
  }

  let server: DevServer | null = null;
  // STACK=production: the Worker on the local production stack (Upstash, PlanetScale and
  // S3 adapters), so attachments take the presigned S3 path from the browser.
  const stack = process.env.STACK === "production" ? await startStack() : null;
  const browser = await launchBrowser();
  try {
    server = await startDevServer({
      // The scenarios share one server and the same few demo users: no per-user limits.
      vars: { JWT_SECRET: "browser-test-secret-that-is-long-enough-for-hs256", DEV_AUTH: "true", MAX_OPEN_REQUESTS: "0", CREATES_PER_HOUR: "0", ...stack?.info.vars },
    });
    for (const scenario of scenarios.filter((s) => !only || s.name.includes(only))) {
      const world = makeWorld(browser, server.url);
      const started = Date.now();
      try {
        await scenario.run(world);
        passed++;
        console.log(`✓ ${scenario.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        console.log(`✗ ${scenario.name}\n  ${(e as Error).stack ?? e}`);
        await keepFailureScreens(world.browser, scenario.name);
      } finally {
        await world.closeAll();
      }
    }
  } finally {
    await browser.close();
    await server?.stop();
    await stack?.stop();
  }
}

async function keepFailureScreens(browser: import("playwright-core").Browser, name: string): Promise<void> {
  const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
  let n = 0;
  for (const context of browser.contexts()) {
    for (const page of context.pages()) {
      await page.screenshot({ path: `${SCREENSHOTS}failed-${slug}-${++n}.png`, fullPage: true }).catch(() => {});
    }
  }
}

main()
  .catch((e) => {
    failed++;
    console.error(e);
  })
  .finally(() => {
    console.log(`browser: ${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  });
