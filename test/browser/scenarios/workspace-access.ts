import type { BrowserContext, Page } from "playwright-core";
import { act, sendMessage, waitForChatOnline, waitForStored } from "../support/app-driver";
import { axeViolations } from "../support/axe";
import { CONTEXT_DEFAULTS, check, checkEqual, type Scenario, type World } from "../support/harness";
import { fileRequest, openConversation } from "../support/requests";

/** Two running consultations of PROF001 (STU001, STU002), for the views below. */
async function twoRunning(world: World): Promise<number[]> {
  const ids: number[] = [];
  for (const code of ["STU001", "STU002"]) {
    const s = await world.person(code);
    const id = await fileRequest(s.page, { recipient: "PROF001", title: `${code}의 질문` });
    const p = await world.person("PROF001");
    await p.page.goto(`/consultations/${id}`);
    await act(p.page, "start");
    await waitForChatOnline(p.page);
    await sendMessage(s.page, `${code}: 안녕하세요`);
    await waitForStored(p.page, [`${code}: 안녕하세요`]);
    ids.push(id);
  }
  return ids;
}

const focused = (page: Page) => page.evaluate(() => `${document.activeElement?.tagName}#${document.activeElement?.id}`);

/** The workspace on a phone (one pane, back navigation) and with the keyboard alone (shortcuts). */
export const workspacePhoneAndKeyboard: Scenario = {
  name: "workspace on a phone and keyboard-only (shortcuts, help dialog)",
  async run(world) {
    const [first, second] = (await twoRunning(world)) as [number, number];
    const phone = await world.person("PROF001", { viewport: { width: 390, height: 844 } });
    const m = phone.page;
    await m.locator(`ul.conversations li[data-request="${first}"]`).waitFor();
    check(await m.locator(".pane-chat").isHidden(), "a phone shows the list alone");
    await openConversation(m, first);
    check(await m.locator("ul.conversations").isHidden(), "then the conversation alone");
    await m.getByRole("button", { name: "상세 정보" }).click();
    await m.locator(".pane-details dl.details").waitFor();
    check(await m.locator("ol.messages").isHidden(), "details replace the chat on a phone");
    await world.screenshot(m, "phone-details");
    await m.getByRole("button", { name: "채팅으로" }).click();
    await m.locator("ol.messages").waitFor();
    const overflow = await m.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `no horizontal scrolling (overflow ${overflow}px)`);
    await m.getByRole("link", { name: "목록으로" }).click();
    await m.locator("ul.conversations").waitFor();

    const k = (await world.person("PROF001")).page;
    await k.locator(`ul.conversations li[data-request="${first}"]`).waitFor();
    for (let i = 0; i < 60 && !(await k.evaluate((id) => document.activeElement?.closest(`li[data-request="${id}"]`) !== null, first)); i++) await k.keyboard.press("Tab");
    await k.keyboard.press("Enter");
    await k.waitForURL(new RegExp(`/consultations/${first}$`));
    // Focus moves after the view rendered (an effect): wait for it, briefly.
    await k.waitForFunction(() => document.activeElement?.id === "conversation-title", undefined, { timeout: 2_000 }).catch(() => {});
    checkEqual(await focused(k), "H1#conversation-title", "opening a conversation moves focus to its heading");
    await waitForChatOnline(k);
    await k.keyboard.press("Alt+C");
    checkEqual(await focused(k), "TEXTAREA#composer", "Alt+C focuses the composer");
    await k.keyboard.type("키보드로 보냅니다");
    await k.keyboard.press("Control+Enter");
    await waitForStored(k, ["키보드로 보냅니다"]);
    const order = await k.locator("ul.conversations li").evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.request)));
    const next = order[(order.indexOf(first) + 1) % order.length]!;
    await k.keyboard.press("Alt+ArrowDown");
    await k.waitForURL(new RegExp(`/consultations/${next}$`));
    await k.keyboard.press("Alt+ArrowUp");
    await k.waitForURL(new RegExp(`/consultations/${first}$`));
    check(order.includes(second), "both conversations are in the list");
    await k.locator("#conversation-title").focus();
    await k.keyboard.press("?");
    await k.locator("dialog.shortcuts[open]").waitFor();
    check((await k.locator("dialog.shortcuts kbd").count()) >= 6, "the help dialog lists the shortcuts");
    await world.screenshot(k, "shortcuts-dialog");
    await k.keyboard.press("Escape");
    await k.locator("dialog.shortcuts[open]").waitFor({ state: "detached" });
    await k.keyboard.press("Alt+E");
    await k.locator('form[data-form="end"]').waitFor();
    check(await k.evaluate(() => document.activeElement?.closest('form[data-form="end"]') !== null), "Alt+E opens the end confirmation with focus in it");
  },
};

const VIEWS: { name: string; user: string | null; path: (ids: number[]) => string; ready: string }[] = [
  { name: "sign-in", user: null, path: () => "/", ready: "button[data-user]" },
  { name: "workspace", user: "PROF001", path: (ids) => `/consultations/${ids[0]}`, ready: "ol.messages li.msg" },
  { name: "queue", user: "AGT001", path: () => "/queue", ready: "ul.queue" },
  { name: "requester", user: "STU001", path: (ids) => `/consultations/${ids[0]}`, ready: "ol.messages li.msg" },
  { name: "new-request", user: "CUS001", path: () => "/new", ready: "#title" },
  { name: "dashboard", user: "ADM001", path: () => "/admin", ready: "table[data-stats-table] tbody tr" },
];

async function signedIn(world: World, context: BrowserContext, user: string | null): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto("/");
  if (user) {
    await page.locator(`button[data-user="${user}"]`).click();
    await page.locator("header .who", { hasText: user }).waitFor();
  }
  return page;
}

/** axe-core in every view, both themes and both languages, with a screenshot of each. */
export const accessibilityAndScreens: Scenario = {
  name: "accessibility (axe) and screenshots of every view, both themes and languages",
  async run(world) {
    const ids = await twoRunning(world);
    const problems: string[] = [];
    for (const colorScheme of ["light", "dark"] as const) {
      for (const lang of ["ko", "en"] as const) {
        const context = await world.browser.newContext({ ...CONTEXT_DEFAULTS, baseURL: world.baseUrl, colorScheme, viewport: { width: 1280, height: 860 } });
        try {
          await context.addInitScript((l) => localStorage.setItem("consult.lang", l), lang);
          for (const view of VIEWS) {
            const page = await signedIn(world, context, view.user);
            await page.goto(view.path(ids));
            await page.locator(view.ready).first().waitFor({ state: "attached" });
            await page.waitForTimeout(300);
            await world.screenshot(page, `view-${view.name}-${colorScheme}-${lang}`);
            for (const v of await axeViolations(page)) problems.push(`${view.name} ${colorScheme} ${lang}: ${v}`);
            await page.close();
          }
        } finally {
          await context.close();
        }
      }
    }
    checkEqual(problems, [], "serious or critical axe violations");
  },
};
