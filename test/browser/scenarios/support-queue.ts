import { consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus, waitForStored } from "../support/app-driver";
import { type Scenario } from "../support/harness";

/** A customer asks the billing queue; an agent sees it appear in the live queue and takes it. */
export const supportQueue: Scenario = {
  name: "a queue item is picked up by an agent",
  async run(world) {
    const customer = await world.person("CUS001");
    const agent = await world.person("AGT001");
    const c = customer.page;
    const a = agent.page;

    await a.getByRole("link", { name: "상담 대기열" }).click();
    await a.locator("ul.queue").waitFor();

    await c.goto("/new");
    await c.getByLabel("분야별 대기열로").check();
    await c.locator("#category").fill("결제");
    await c.locator("#title").fill("환불 문의");
    await c.locator("#content").fill("지난달 결제가 두 번 되었습니다.");
    await c.getByRole("button", { name: "신청하기" }).click();
    const id = await consultationIdFromUrl(c);

    // The queue refreshes itself: no reload.
    const item = a.locator(`ul.queue li[data-request="${id}"]`);
    await item.waitFor();
    await world.screenshot(a, "queue");
    await item.locator("button[data-take]").click();
    await a.waitForURL(new RegExp(`/consultations/${id}$`));
    await waitForStatus(a, "IN_PROGRESS");
    await waitForChatOnline(a);
    await sendMessage(a, "안녕하세요, 상담사 박상담입니다.");
    await waitForStatus(c, "IN_PROGRESS");
    await waitForChatOnline(c);
    await waitForStored(c, ["안녕하세요, 상담사 박상담입니다."]);
    await sendMessage(c, "환불 부탁드립니다.");
    await waitForStored(a, ["환불 부탁드립니다."]);
    await world.screenshot(c, "chat-customer");
    await a.getByRole("link", { name: "상담 대기열" }).click();
    await a.locator(`ul.queue li[data-request="${id}"]`).waitFor({ state: "detached" });
  },
};
