import { check, type Scenario } from "../support/harness";

/** The admin's statistics chart, the English switch, and the phone-sized layout. */
export const adminAndLayout: Scenario = {
  name: "admin statistics chart, English switch and phone layout",
  async run(world) {
    const admin = await world.person("ADM001");
    const page = admin.page;
    await page.getByRole("link", { name: "통계" }).click();
    await page.locator("svg.chart rect").first().waitFor();
    check((await page.locator("svg.chart rect").count()) === 6, "one bar per status");
    await world.screenshot(page, "admin-stats");

    await page.getByRole("button", { name: "언어 전환" }).click();
    await page.getByRole("heading", { name: "Statistics" }).waitFor();
    check((await page.getAttribute("html", "lang")) === "en", "the page language follows the switch");
    await page.getByRole("button", { name: "Switch language" }).click();
    await page.getByRole("heading", { name: "상담 통계" }).waitFor();

    const phone = await world.person("STU001", { viewport: { width: 390, height: 844 } });
    await phone.page.locator("table.list").waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
    await world.screenshot(phone.page, "phone-my-consultations");
    const running = phone.page.locator("tr:has(.status-IN_PROGRESS) a");
    await ((await running.count()) ? running : phone.page.locator("table.list a")).first().click();
    // Whichever consultation the earlier scenarios left first: its page, and its chat unless
    // it was rejected or cancelled before it started (then the page has no chat section).
    await phone.page.locator("section.card h2").first().waitFor();
    await phone.page.locator("ol.messages:visible, .chat .notice:visible, section.card [data-status=REJECTED], section.card [data-status=CANCELLED]").first().waitFor();
    await world.screenshot(phone.page, "phone-consultation");
  },
};
