import { act, chatLog, consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus, waitForStored } from "../support/app-driver";
import { check, checkEqual, type Scenario, type World } from "../support/harness";

async function request(world: World, asUser: string, fill: Record<string, string>, queue = false) {
  const who = await world.person(asUser);
  await who.page.goto("/new");
  if (queue) await who.page.getByLabel("분야별 대기열로").check();
  for (const [selector, value] of Object.entries(fill)) await who.page.locator(selector).fill(value);
  await who.page.getByRole("button", { name: "신청하기" }).click();
  return { ...who, id: await consultationIdFromUrl(who.page) };
}

/** A professor rejects with a reason; a student cancels; the requester sees why. */
export const rejectAndCancel: Scenario = {
  name: "reject with a reason, cancel a request",
  async run(world) {
    const student = await request(world, "STU001", { "#recipient": "PROF002", "#title": "거절될 신청" });
    const professor = await world.person("PROF002");
    await professor.page.goto(`/consultations/${student.id}`);
    await act(professor.page, "reject", {}); // the reason is required: the form refuses to submit
    await waitForStatus(professor.page, "PENDING");
    await act(professor.page, "reject", { reason: "이번 주는 상담이 어렵습니다." });
    await waitForStatus(professor.page, "REJECTED");
    await waitForStatus(student.page, "REJECTED");
    await student.page.locator("dl.details", { hasText: "이번 주는 상담이 어렵습니다." }).waitFor();

    await student.page.goto("/new");
    await student.page.locator("#recipient").fill("PROF002");
    await student.page.locator("#title").fill("취소할 신청");
    await student.page.getByRole("button", { name: "신청하기" }).click();
    await consultationIdFromUrl(student.page);
    await act(student.page, "cancel", { reason: "일정이 바뀌었습니다." });
    await waitForStatus(student.page, "CANCELLED");
    check((await student.page.locator("button[data-action]").count()) === 0, "a cancelled request offers no actions");
  },
};

/**
 * An agent hands a running chat back to the queue: the agent's chat closes, the customer
 * keeps writing while waiting, and the next agent sees the whole history.
 */
export const transferToQueue: Scenario = {
  name: "transfer back to the queue: the next agent sees the whole history",
  async run(world) {
    const customer = await request(world, "CUS001", { "#category": "기술 지원", "#title": "로그인이 안 됩니다" }, true);
    const first = await world.person("AGT001");
    await first.page.goto(`/consultations/${customer.id}`);
    await act(first.page, "start");
    await waitForChatOnline(first.page);
    await sendMessage(first.page, "첫 상담사입니다.");
    await waitForChatOnline(customer.page);
    await waitForStored(customer.page, ["첫 상담사입니다."]);

    await act(first.page, "transfer"); // no code: back to the queue
    await waitForStatus(first.page, "PENDING");
    await first.page.locator(".chat .notice", { hasText: "이관" }).first().waitFor();
    check(await first.page.locator("#composer").isHidden(), "the previous agent can no longer write");
    check(await first.page.locator(".chat .banner").isHidden(), "and is not shown as reconnecting");

    await waitForStatus(customer.page, "PENDING");
    await waitForChatOnline(customer.page);
    await sendMessage(customer.page, "기다리는 동안 남깁니다.");
    await waitForStored(customer.page, ["기다리는 동안 남깁니다."]);

    const second = await world.person("AGT002");
    await second.page.goto("/queue");
    await second.page.locator(`ul.queue li[data-request="${customer.id}"] button[data-take]`).click();
    await waitForChatOnline(second.page);
    await waitForStored(second.page, ["첫 상담사입니다.", "기다리는 동안 남깁니다."]);
    await sendMessage(second.page, "두 번째 상담사입니다. 이어서 도와드릴게요.");
    await waitForStored(customer.page, ["두 번째 상담사입니다. 이어서 도와드릴게요."]);
    const [c, a] = [await chatLog(customer.page), await chatLog(second.page)];
    checkEqual(c.stored, a.stored, "customer and new agent hold the same history");
    await world.screenshot(second.page, "chat-after-transfer");
  },
};
