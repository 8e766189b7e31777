import type { Page } from "playwright-core";
import { consultationIdFromUrl } from "./app-driver";

/** Files a request through the app's form, as a user does; returns its id. */
export async function fileRequest(page: Page, fill: { recipient?: string; category?: string; title: string }): Promise<number> {
  await page.goto("/new");
  if (fill.category) {
    await page.getByLabel(/분야별 대기열로|a category queue/).check();
    await page.locator("#category").fill(fill.category);
  } else {
    await page.locator("#recipient").fill(fill.recipient!);
  }
  await page.locator("#title").fill(fill.title);
  await page.locator('form button[type="submit"]').click();
  return consultationIdFromUrl(page);
}

/** Opens a conversation from the workspace's list (no reload). */
export async function openConversation(page: Page, id: number): Promise<void> {
  await page.locator(`ul.conversations li[data-request="${id}"] a`).click();
  await page.waitForURL(new RegExp(`/consultations/${id}$`));
  await page.locator("#conversation-title", { hasText: `#${id}` }).waitFor();
}

/** Marks the page's window: the mark is gone after any reload. */
export const markWindow = (page: Page) => page.evaluate(() => ((window as unknown as { __sameWindow: boolean }).__sameWindow = true));
export const sameWindow = (page: Page) => page.evaluate(() => (window as unknown as { __sameWindow?: boolean }).__sameWindow === true);
