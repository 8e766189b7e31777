import { check, type Scenario } from "../support/harness";

/** The admin's dashboard and metrics chart, the English switch, and the phone-sized layout. */
export const adminAndLayout: Scenario = {
  name: "admin dashboard and metrics chart, English switch and phone layout",
  async run(world) {
    const admin = await world.person("ADM001");
    const page = admin.page;
    await page.getByRole("link", { name: "통계" }).click();
    await page.getByRole("heading", { name: "관리 대시보드" }).waitFor();
    await page.locator("table[data-stats-table] tbody tr").first().waitFor();
    // The chart has both axes and their labels; the table carries the same numbers.
    await page.locator("svg.chart line.chart-axis").nth(1).waitFor({ state: "attached" });
    check((await page.locator("svg.chart text.chart-axis-title").count()) === 2, "both axes are labelled");
    // The server has SPEC 15's grouped metrics (the view's fallback for older servers is unit-tested).
    check((await page.locator("[data-stats-shape=legacy]").count()) === 0, "the grouped metrics, not the status counts");
    check((await page.locator("table[data-stats-table] tfoot tr").count()) === 1, "a totals row");
    await world.screenshot(page, "admin-stats");

    await page.getByRole("button", { name: "언어 전환" }).click();
    await page.getByRole("heading", { name: "Admin dashboard" }).waitFor();
    check((await page.getAttribute("html", "lang")) === "en", "the page language follows the switch");
    await page.getByRole("button", { name: "Switch language" }).click();
    await page.getByRole("heading", { name: "관리 대시보드" }).waitFor();

    const phone = await world.person("STU001", { viewport: { width: 390, height: 844 } });
    await phone.page.locator("ul.conversations").waitFor();
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    check(overflow <= 0, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
    await world.screenshot(phone.page, "phone-my-consultations");
    const running = phone.page.locator("ul.conversations li:has(.status-IN_PROGRESS) a");
    await ((await running.count()) ? running : phone.page.locator("ul.conversations a")).first().click();
    // Whichever consultation the earlier scenarios left first: its page (heading and status),
    // and its chat unless it was rejected or cancelled before it started (then it has none).
    await phone.page.locator(".conversation-head [data-status]").waitFor();
    await phone.page
      .locator("ol.messages:visible, .chat .notice:visible, .conversation-head [data-status=REJECTED], .conversation-head [data-status=CANCELLED]")
      .first()
      .waitFor();
    // One pane at a time: the list is gone, and "back" brings it back.
    check(await phone.page.locator("ul.conversations").isHidden(), "the list is hidden while a conversation is open on a phone");
    await world.screenshot(phone.page, "phone-consultation");
    await phone.page.getByRole("link", { name: "목록으로" }).click();
    await phone.page.locator("ul.conversations").waitFor();
  },
};
