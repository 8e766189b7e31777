import type { Page } from "playwright-core";
import { CONTEXT_DEFAULTS, check, type Scenario } from "../support/harness";

/** Presses Tab until the focused element matches `selector` (a keyboard user's way there). */
async function tabTo(page: Page, selector: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function focused(page: Page): Promise<string> {
  return page.evaluate(() => `${document.activeElement?.tagName}:${document.activeElement?.textContent?.trim()}`);
}

/** Sign in, move between views and file a request with the keyboard alone. */
export const keyboardOnly: Scenario = {
  name: "keyboard only: sign in, navigate, file a request",
  async run(world) {
    const context = await world.browser.newContext({ ...CONTEXT_DEFAULTS, baseURL: world.baseUrl });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto("/");
      await page.locator('button[data-user="CUS001"]').waitFor();
      await page.keyboard.press("Tab");
      check((await focused(page)).startsWith("A:본문으로 건너뛰기"), "the first Tab stop is the skip link");
      await tabTo(page, 'button[data-user="CUS001"]');
      await page.keyboard.press("Enter");
      await page.locator("header .who", { hasText: "CUS001" }).waitFor();
      check((await focused(page)) === "H1:내 상담", "after sign-in, focus is on the view's heading");

      await tabTo(page, 'a[href="/new"]');
      await page.keyboard.press("Enter");
      await page.waitForURL(/\/new$/);
      check((await focused(page)) === "H1:새 상담 신청", "navigation moves focus to the new view's heading");
      await tabTo(page, 'input[value="counselor"]'); // a radio group is one Tab stop
      await page.keyboard.press("ArrowDown"); // arrows move the choice to "queue"
      await page.locator("#category").waitFor();
      await tabTo(page, "#category");
      await page.keyboard.type("기술 지원");
      await tabTo(page, "#title");
      await page.keyboard.type("키보드로 신청");
      await page.keyboard.press("Enter"); // Enter in a text field submits the form
      await page.waitForURL(/\/consultations\/\d+$/);
      await page.locator('.badge[data-status="PENDING"]').first().waitFor();
      check((await focused(page)).startsWith("H1:상담 #"), "the new consultation's heading has focus");
      await world.screenshot(page, "keyboard-consultation");
    } finally {
      await context.close();
    }
  },
};
