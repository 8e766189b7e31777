import { act, chatLog, sendMessage, waitForChatOnline, waitForStored } from "../support/app-driver";
import { check, checkEqual, type Scenario } from "../support/harness";
import { fileRequest, markWindow, openConversation, sameWindow } from "../support/requests";

const unread = (id: number) => `ul.conversations li[data-request="${id}"] [data-unread]`;

/**
 * Issue 15's workspace: a professor holds three consultations at once while the three
 * students write. Every message lands in its own conversation, each draft survives the
 * switching, a send made offline stays pending in its conversation, the unread counts
 * are right, the divider marks what arrived meanwhile, and the window never reloads.
 */
export const workspaceThree: Scenario = {
  name: "workspace: three conversations at once, drafts, unread counts, no reload",
  async run(world) {
    const professor = await world.person("PROF001");
    const p = professor.page;
    const students = await Promise.all(["STU001", "STU002", "STU003"].map((code) => world.person(code)));
    const ids: number[] = [];
    for (const [i, s] of students.entries()) ids.push(await fileRequest(s.page, { recipient: "PROF001", title: `동시 상담 ${i + 1}` }));
    await markWindow(p);
    for (const id of ids) {
      await p.locator(`ul.conversations li[data-request="${id}"]`).waitFor();
      await openConversation(p, id);
      await act(p, "start");
      await p.locator(`.conversation-head .badge[data-status="IN_PROGRESS"]`).waitFor();
      await waitForChatOnline(p);
    }
    for (const s of students) await waitForChatOnline(s.page);
    const [a, b, c] = ids as [number, number, number];

    // Drafts stay with their conversation.
    await openConversation(p, a);
    await p.locator("#composer").fill("초안 A (보내지 않음)");
    await openConversation(p, b);
    checkEqual(await p.locator("#composer").inputValue(), "", "B starts with its own (empty) draft");
    await p.locator("#composer").fill("초안 B");

    // The students of B and C write while the professor is in B: C's count rises, B's stays 0.
    await sendMessage(students[1]!.page, "B 학생의 질문");
    await sendMessage(students[2]!.page, "C 학생의 첫 질문");
    await sendMessage(students[2]!.page, "C 학생의 두 번째 질문");
    await waitForStored(p, ["B 학생의 질문"]);
    await p.locator(`${unread(c)}[data-unread="2"]`).waitFor();
    await p.locator(`${unread(b)}[data-unread="0"]`).waitFor();
    await p.locator(`ul.conversations li[data-request="${c}"] .preview`, { hasText: "C 학생의 두 번째 질문" }).waitFor();
    checkEqual(await p.locator("#composer").inputValue(), "초안 B", "typing elsewhere does not touch B's draft");
    check(!(await chatLog(p)).stored.some((m) => m.text.startsWith("C 학생")), "C's messages are not in B's log");
    await world.screenshot(p, "workspace-three");

    // A send made offline stays pending with its conversation across switches.
    await professor.context.setOffline(true);
    await p.locator(".chat .banner.offline").waitFor();
    await p.locator("#composer").fill("B에 오프라인으로 보냄");
    await p.locator("#composer").press("Enter");
    await p.locator('ol.messages li[data-state="sending"]').waitFor();
    await openConversation(p, a);
    checkEqual(await p.locator("#composer").inputValue(), "초안 A (보내지 않음)", "A's draft is back");
    await openConversation(p, b);
    await p.locator('ol.messages li[data-state="sending"]', { hasText: "B에 오프라인으로 보냄" }).waitFor();
    await professor.context.setOffline(false);
    await waitForStored(p, ["B에 오프라인으로 보냄"]);
    await waitForStored(students[1]!.page, ["B에 오프라인으로 보냄"]);

    // C: the divider marks what arrived meanwhile; reading it brings the count to 0.
    await openConversation(p, c);
    await p.locator("ol.messages li.divider + li", { hasText: "C 학생의 첫 질문" }).waitFor();
    await p.locator(`${unread(c)}[data-unread="0"]`).waitFor();
    const logC = (await chatLog(p)).stored.filter((m) => !m.system).map((m) => m.text);
    checkEqual(logC, ["C 학생의 첫 질문", "C 학생의 두 번째 질문"], "C's log holds C's messages only, in order");
    const logA = (await chatLog(students[0]!.page)).stored.filter((m) => !m.system);
    checkEqual(logA, [], "A's student received nothing that was meant for B or C");
    check(await sameWindow(p), "the professor's window never reloaded");
  },
};

/** SPEC 9: a requester's queue place falls as earlier requests are taken, live. */
export const queuePositionFalls: Scenario = {
  name: "requester: the queue position falls as earlier requests are taken",
  async run(world) {
    const category = `순번-${Date.now() % 100000}`;
    const people = await Promise.all(["CUS001", "CUS002", "STU002"].map((code) => world.person(code)));
    const ids: number[] = [];
    for (const [i, who] of people.entries()) ids.push(await fileRequest(who.page, { category, title: `대기 ${i + 1}` }));
    const last = people[2]!.page;
    await last.locator('.queue-place[data-queue-position="3"]').waitFor();
    check((await last.locator(".queue-place").textContent())!.includes("대기 중"), "the waiting time is shown");
    await world.screenshot(last, "requester-queue-place");
    const agent = await world.person("AGT002");
    const a = agent.page;
    await a.goto("/queue");
    await markWindow(last);
    await a.locator(`ul.queue li[data-request="${ids[0]}"] button[data-take]`).click();
    await last.locator('.queue-place[data-queue-position="2"]').waitFor({ timeout: 2_000 });
    await a.goto("/queue");
    await a.locator(`ul.queue li[data-request="${ids[1]}"] button[data-take]`).click();
    await last.locator('.queue-place[data-queue-position="1"]').waitFor({ timeout: 2_000 });
    await a.goto("/queue");
    await a.locator(`ul.queue li[data-request="${ids[2]}"] button[data-take]`).click();
    await last.locator('.conversation-head .badge[data-status="IN_PROGRESS"]').waitFor({ timeout: 2_000 });
    checkEqual(await last.locator(".queue-place").count(), 0, "no queue place once taken");
    check(await sameWindow(last), "the requester's window never reloaded");
  },
};

/** SPEC 13: a sender's ticks move sending → stored → delivered → read. */
export const deliveryTicks: Scenario = {
  name: "delivery ticks move sending → stored → delivered → read",
  async run(world) {
    const student = await world.person("STU003");
    const professor = await world.person("PROF002");
    const [s, p] = [student.page, professor.page];
    const id = await fileRequest(s, { recipient: "PROF002", title: "전달 상태 확인" });
    await p.locator(`ul.conversations li[data-request="${id}"]`).waitFor();
    await openConversation(p, id);
    await act(p, "start");
    await waitForChatOnline(p);
    await waitForChatOnline(s);
    // The professor leaves the conversation (its connection stays, in the background) and goes offline.
    await p.getByRole("link", { name: "내 상담" }).click();
    await professor.context.setOffline(true);

    await student.context.setOffline(true);
    await s.locator(".chat .banner.offline").waitFor();
    await sendMessage(s, "틱을 지켜봅니다");
    const mine = s.locator("ol.messages li.mine", { hasText: "틱을 지켜봅니다" });
    await mine.locator('[data-tick="sending"]').waitFor();
    await student.context.setOffline(false);
    await mine.locator('[data-tick="stored"]').waitFor();
    await s.waitForTimeout(1_500);
    checkEqual(await mine.locator("[data-tick]").getAttribute("data-tick"), "stored", "stays stored while no device of the professor has it");
    check((await mine.locator(".visually-hidden").textContent()) === "서버에 저장됨", "the tick has an accessible label");

    await professor.context.setOffline(false);
    await mine.locator('[data-tick="delivered"]').waitFor({ timeout: 15_000 });
    await s.waitForTimeout(1_500);
    checkEqual(await mine.locator("[data-tick]").getAttribute("data-tick"), "delivered", "delivered, not read, while the professor looks elsewhere");
    await world.screenshot(s, "ticks-delivered");

    await openConversation(p, id);
    await mine.locator('[data-tick="read"]').waitFor();
    checkEqual(await mine.locator(".visually-hidden").textContent(), "상대가 읽음", "read, with its label");
  },
};

/** The admin dashboard's counts move as consultations are created, taken and ended, live. */
export const dashboardLive: Scenario = {
  name: "admin dashboard: counts change live; metrics table and CSV",
  async run(world) {
    const admin = await world.person("ADM001");
    const d = admin.page;
    await d.goto("/admin");
    await markWindow(d);
    const count = async (status: string) => Number(await d.locator(`dd[data-count="${status}"]`).textContent());
    await d.locator('dd[data-count="PENDING"]:not(:text("…"))').waitFor();
    const before = { PENDING: await count("PENDING"), IN_PROGRESS: await count("IN_PROGRESS") };
    const category = `대시보드-${Date.now() % 100000}`;
    const customer = await world.person("CUS002");
    const t0 = Date.now();
    const id = await fileRequest(customer.page, { category, title: "대시보드 확인" });
    const t1 = Date.now();
    await d.locator(`dd[data-count="PENDING"]:text-is("${before.PENDING + 1}")`).waitFor({ timeout: 3_000 });
    await d.locator(`table[data-queues] tr[data-category="${category}"] td[data-queue-length]:text-is("1")`).waitFor();
    await d.locator(`table[data-open-table] tr[data-request="${id}"]`).waitFor();
    await world.screenshot(d, "admin-dashboard");

    const agent = await world.person("AGT001");
    await agent.page.goto("/queue");
    const t2 = Date.now();
    await agent.page.locator(`ul.queue li[data-request="${id}"] button[data-take]`).click();
    await agent.page.waitForURL(new RegExp(`/consultations/${id}$`));
    const t3 = Date.now();
    await d.locator(`dd[data-count="IN_PROGRESS"]:text-is("${before.IN_PROGRESS + 1}")`).waitFor({ timeout: 3_000 });
    await waitForChatOnline(agent.page);
    const t4 = Date.now();
    await sendMessage(agent.page, "상담사의 첫 답변");
    await waitForStored(agent.page, ["상담사의 첫 답변"]);
    const t5 = Date.now();
    await d.locator(`dd[data-count="PENDING"]:text-is("${before.PENDING}")`).waitFor();
    await d.locator(`table[data-queues] tr[data-category="${category}"]`).waitFor({ state: "detached" });
    await d.locator('table[data-per-counselor] tr[data-counselor="AGT001"]').waitFor();

    check(await sameWindow(d), "the dashboard changed without a reload");
    // The read-only view of the running chat, with the admin's end action.
    await d.locator(`table[data-open-table] tr[data-request="${id}"] a`).click();
    await d.locator(".chat .notice", { hasText: "관리자는 읽기만" }).waitFor();
    check((await d.locator("#composer").count()) === 0, "no composer for an admin");
    await act(d, "end");
    await d.locator('.conversation-head .badge[data-status="COMPLETED"]').waitFor();
    await d.goto("/admin");
    await d.locator(`dd[data-count="IN_PROGRESS"]:text-is("${before.IN_PROGRESS}")`).waitFor({ timeout: 3_000 });

    // Metrics: the table behind the chart; the CSV carries the same groups.
    await d.locator("table[data-stats-table] tbody tr").first().waitFor();
    // This server has SPEC 15's grouped metrics: the view must not fall back to the status counts.
    checkEqual(await d.locator("[data-stats-shape=legacy]").count(), 0, "the dashboard reads the grouped metrics");
    const rows = await d.locator("table[data-stats-table] tbody tr").count();
    const [csv] = await Promise.all([d.waitForEvent("download"), d.locator("button[data-csv]").click()]);
    const text = (await import("node:fs")).readFileSync((await csv.path())!, "utf8").trim().split("\n");
    checkEqual(text.length, rows + 2, "the CSV: a header, one line per group of the table, the totals");
    // SPEC 15: wait (created → started) and first response (started → the counselor's
    // first message) equal what this test's own clocks bound, within a second.
    const stats = await d.evaluate(async (url) => {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${sessionStorage.getItem("consult.token")}` } });
      return (await res.json()) as { groups: { key: string; waitSeconds: { mean: number }; firstResponseSeconds: { mean: number } }[] };
    }, `/api/admin/stats?groupBy=category&from=${new Date(t0 - 60_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`);
    const mine = stats.groups.find((g) => g.key === category);
    check(mine, `a group for ${category}`);
    const within = (value: number, lo: number, hi: number, what: string) =>
      check(value >= lo / 1000 - 1 && value <= hi / 1000 + 1, `${what}: ${value} s, expected ${lo / 1000}–${hi / 1000} s (± 1 s)`);
    within(mine.waitSeconds.mean, t2 - t1, t3 - t0, "wait");
    within(mine.firstResponseSeconds.mean, t4 - t3, t5 - t2, "first response");
  },
};
