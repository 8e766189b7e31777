import type { Page, Request } from "playwright-core";
import { act, consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus } from "../support/app-driver";
import { check, checkEqual, type Scenario } from "../support/harness";

/** SPEC section 9: events reach every socket of the user within a second. */
const LIVE_MS = 1_000;
/** Longer than any refresh the app ever had (the list's was 15 s), so a poll cannot hide. */
const IDLE_MS = 16_000;

const inboxOnline = (page: Page) => page.locator('html[data-inbox="online"]').waitFor();

/** Every HTTP request `page` makes in `ms` of doing nothing (WebSocket frames are not requests). */
async function requestsWhileIdle(page: Page, ms: number): Promise<string[]> {
  const seen: string[] = [];
  const record = (r: Request) => seen.push(`${r.method()} ${new URL(r.url()).pathname}`);
  page.on("request", record);
  await page.waitForTimeout(ms);
  page.off("request", record);
  return seen;
}

/**
 * The live inbox in two (and more) browsers, without a reload anywhere: a request shows up
 * in the professor's list and a queue item in the agent's queue within a second; an
 * approval and a pick-up change the requester's page; a new message raises the unread
 * count in the list; an idle page makes no requests at all (nothing polls).
 */
export const liveInbox: Scenario = {
  name: "live inbox: list, queue, status and unread change without reloads; nothing polls",
  async run(world) {
    const professor = await world.person("PROF002");
    const student = await world.person("STU001");
    const agent = await world.person("AGT002");
    const customer = await world.person("CUS001");
    const [p, s, a, c] = [professor.page, student.page, agent.page, customer.page];

    await inboxOnline(p);
    await a.getByRole("link", { name: "상담 대기열" }).click();
    await a.locator("ul.queue").waitFor();
    await inboxOnline(a);

    // A request to the professor appears in their open list.
    await s.goto("/new");
    await s.locator("#recipient").fill("PROF002");
    await s.locator("#title").fill("실시간 목록 확인");
    await s.getByRole("button", { name: "신청하기" }).click();
    const id = await consultationIdFromUrl(s);
    const created = Date.now();
    await p.locator(`ul.conversations li[data-request="${id}"]`).waitFor({ timeout: LIVE_MS });
    console.log(`    request in the professor's list after ${Date.now() - created} ms`);

    // A queue request appears in the agent's open queue; the customer sees their place.
    await c.goto("/new");
    await c.getByLabel("분야별 대기열로").check();
    await c.locator("#category").fill("배송");
    await c.locator("#title").fill("배송 문의");
    await c.getByRole("button", { name: "신청하기" }).click();
    const queued = await consultationIdFromUrl(c);
    const queuedAt = Date.now();
    await a.locator(`ul.queue li[data-request="${queued}"]`).waitFor({ timeout: LIVE_MS });
    console.log(`    queue item in the agent's queue after ${Date.now() - queuedAt} ms`);
    await c.locator(".queue-place[data-queue-position]:not([data-queue-position=''])").waitFor();
    const place = Number(await c.locator(".queue-place[data-queue-position]").getAttribute("data-queue-position"));
    check(place >= 1, `the customer sees a queue place (${place})`);

    // The approval changes the student's page by itself.
    await p.locator(`ul.conversations li[data-request="${id}"] a`).click();
    await act(p, "approve");
    await waitForStatus(p, "SCHEDULED");
    const approved = Date.now();
    await s.locator('.badge[data-status="SCHEDULED"]').first().waitFor({ timeout: LIVE_MS });
    console.log(`    student's page SCHEDULED after ${Date.now() - approved} ms`);

    // The agent takes the queue item: the customer's page starts by itself.
    await a.locator(`ul.queue li[data-request="${queued}"] button[data-take]`).click();
    await waitForStatus(a, "IN_PROGRESS");
    await c.locator('.badge[data-status="IN_PROGRESS"]').first().waitFor({ timeout: LIVE_MS * 2 });

    // New messages raise the professor's unread count in the list, live.
    await waitForChatOnline(s);
    await p.getByRole("link", { name: "내 상담" }).click();
    const unreadCell = p.locator(`ul.conversations li[data-request="${id}"] [data-unread]`);
    await unreadCell.waitFor();
    checkEqual(await unreadCell.getAttribute("data-unread"), "0", "nothing unread before the first message");
    await sendMessage(s, "교수님, 질문이 있습니다.");
    await p.locator(`ul.conversations li[data-request="${id}"] [data-unread="1"]`).waitFor({ timeout: LIVE_MS * 2 });
    await sendMessage(s, "두 번째 메시지입니다.");
    await p.locator(`ul.conversations li[data-request="${id}"] [data-unread="2"]`).waitFor({ timeout: LIVE_MS * 3 });
    await p.locator(`ul.conversations li[data-request="${id}"] .preview`, { hasText: "두 번째 메시지입니다." }).waitFor();
    await world.screenshot(p, "list-live-unread");

    // Reading on the consultation page brings it to 0 everywhere.
    await p.locator(`ul.conversations li[data-request="${id}"] a`).click();
    await waitForChatOnline(p);
    await p.getByRole("link", { name: "내 상담" }).click();
    await p.locator(`ul.conversations li[data-request="${id}"] [data-unread="0"]`).waitFor({ timeout: LIVE_MS * 3 });

    // Idle pages (list, queue, consultation page with its chat) make no requests.
    const idle = await Promise.all([requestsWhileIdle(p, IDLE_MS), requestsWhileIdle(a, IDLE_MS), requestsWhileIdle(s, IDLE_MS), requestsWhileIdle(c, IDLE_MS)]);
    checkEqual(idle, [[], [], [], []], "requests made by idle pages (list, queue, two consultation pages)");
  },
};
