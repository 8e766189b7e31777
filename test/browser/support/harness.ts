import { mkdirSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const SCREENSHOTS = new URL("../../../test-artifacts/screenshots/", import.meta.url).pathname;

/** Debian's chromium (installed by test/services/install-system-packages.sh). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    // Playwright gives every launch a fresh temporary user-data-dir.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A Korean user in Seoul, as the app's first audience. */
export const CONTEXT_DEFAULTS = { locale: "ko-KR", timezoneId: "Asia/Seoul" } as const;

export interface World {
  browser: Browser;
  baseUrl: string;
  /** A fresh browser context (its own storage: one person on one device), signed in. */
  person(userCode: string, options?: { viewport?: { width: number; height: number } }): Promise<{ context: BrowserContext; page: Page }>;
  screenshot(page: Page, name: string): Promise<void>;
}

export function makeWorld(browser: Browser, baseUrl: string): World & { closeAll(): Promise<void> } {
  const contexts: BrowserContext[] = [];
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    browser,
    baseUrl,
    async person(userCode, options = {}) {
      const context = await browser.newContext({ ...CONTEXT_DEFAULTS, baseURL: baseUrl, acceptDownloads: true, viewport: options.viewport ?? { width: 1100, height: 900 } });
      contexts.push(context);
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.on("pageerror", (e) => console.error(`  [${userCode} page error] ${e.message}`));
      await page.goto("/");
      await page.locator(`button[data-user="${userCode}"]`).click();
      await page.locator("header .who", { hasText: userCode }).waitFor();
      return { context, page };
    },
    async screenshot(page, name) {
      await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
    },
    async closeAll() {
      for (const c of contexts.splice(0)) await c.close().catch(() => {});
    },
  };
}

export interface Scenario {
  name: string;
  run(world: World): Promise<void>;
}

export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function checkEqual<T>(actual: T, expected: T, message: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${message}\n  expected: ${e}\n  actual:   ${a}`);
}
