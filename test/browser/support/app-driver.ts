import type { Page } from "playwright-core";
import { check } from "./harness";

/** What a user sees in the chat log: stored messages in order, and pending ones. */
export async function chatLog(page: Page): Promise<{ stored: { seq: number; text: string; system: boolean }[]; pending: string[] }> {
  return page.evaluate(() => {
    const stored: { seq: number; text: string; system: boolean }[] = [];
    const pending: string[] = [];
    for (const li of document.querySelectorAll<HTMLElement>("ol.messages > li.msg")) {
      const text = li.querySelector(".body")?.textContent ?? "";
      if (li.dataset.seq) stored.push({ seq: Number(li.dataset.seq), text, system: li.classList.contains("system") });
      else pending.push(text);
    }
    return { stored, pending };
  });
}

/** Waits until the user's chat shows every text in `texts` as stored, and nothing pending. */
export async function waitForStored(page: Page, texts: string[]): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const stored = [...document.querySelectorAll<HTMLElement>("ol.messages > li[data-seq] .body")].map((e) => e.textContent);
      const pending = document.querySelectorAll("ol.messages > li.msg:not([data-seq])").length;
      return pending === 0 && wanted.every((t) => stored.includes(t));
    },
    texts,
    { timeout: 60_000 },
  );
}

export async function waitForChatOnline(page: Page): Promise<void> {
  await page.locator("#composer").waitFor();
  await page.locator(".chat .banner").waitFor({ state: "hidden" });
}

/** Types a message and sends it with Enter, as a keyboard user does. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  const composer = page.locator("#composer");
  await composer.click();
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    if (i > 0) await composer.press("Shift+Enter");
    await composer.pressSequentially(line, { delay: 0 });
  }
  await composer.press("Enter");
}

export async function consultationIdFromUrl(page: Page): Promise<number> {
  await page.waitForURL(/\/consultations\/\d+$/);
  const id = Number(/\/consultations\/(\d+)$/.exec(page.url())![1]);
  check(id > 0, `no consultation id in ${page.url()}`);
  return id;
}

export async function waitForStatus(page: Page, status: string): Promise<void> {
  await page.locator(`.badge[data-status="${status}"]`).first().waitFor({ timeout: 30_000 });
}

/** Runs one lifecycle action from the consultation page (opening its form if it has one). */
export async function act(page: Page, action: string, fields: Record<string, string> = {}): Promise<void> {
  const form = page.locator(`form[data-form="${action}"]`);
  // The button toggles the action's form: press it only when the form is not open yet.
  if ((await form.count()) === 0 || (await form.isHidden())) await page.locator(`button[data-action="${action}"]`).click();
  if ((await form.count()) === 0) return;
  for (const [name, value] of Object.entries(fields)) await form.locator(`[name="${name}"]`).fill(value);
  await form.locator('button[type="submit"]').click();
}
