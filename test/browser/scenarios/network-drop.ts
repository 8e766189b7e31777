import { act, chatLog, consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus, waitForStored } from "../support/app-driver";
import { check, checkEqual, type Scenario } from "../support/harness";

/**
 * The student's network drops while the professor keeps writing and the student writes
 * too (pending, shown as such). When the network returns, both sides hold every message
 * exactly once, in the same order, and nothing stays pending.
 */
export const networkDrop: Scenario = {
  name: "a network drop on one side: nothing missing or doubled after it returns",
  async run(world) {
    const student = await world.person("STU001");
    const professor = await world.person("PROF001");
    const s = student.page;
    const p = professor.page;

    await s.goto("/new");
    await s.locator("#recipient").fill("PROF001");
    await s.locator("#title").fill("네트워크 끊김 확인");
    await s.getByRole("button", { name: "신청하기" }).click();
    const id = await consultationIdFromUrl(s);
    await p.goto(`/consultations/${id}`);
    await act(p, "start");
    await waitForStatus(p, "IN_PROGRESS");
    await waitForChatOnline(p);
    await waitForChatOnline(s);
    await sendMessage(s, "연결 전 메시지");
    await waitForStored(p, ["연결 전 메시지"]);

    await student.context.setOffline(true);
    await s.locator(".chat .banner.offline").waitFor();
    const whileAway = ["부재 중 1", "부재 중 2", "부재 중 3", "부재 중 4", "부재 중 5"];
    for (const text of whileAway) await sendMessage(p, text);
    await waitForStored(p, whileAway);
    const mine = ["오프라인 작성 1", "오프라인 작성 2"];
    for (const text of mine) await sendMessage(s, text);
    await s.locator('ol.messages li[data-state="sending"]').nth(1).waitFor();
    await world.screenshot(s, "chat-offline");

    await student.context.setOffline(false);
    const all = ["연결 전 메시지", ...whileAway, ...mine];
    await waitForStored(s, all);
    await waitForStored(p, all);
    await s.locator(".chat .banner").waitFor({ state: "hidden" });

    const [logS, logP] = [await chatLog(s), await chatLog(p)];
    checkEqual(logS.stored, logP.stored, "both sides hold the same messages in the same order");
    checkEqual(logS.pending, [], "nothing pending");
    const texts = logS.stored.filter((m) => !m.system).map((m) => m.text);
    checkEqual([...texts].sort(), [...all].sort(), "every message exactly once");
    checkEqual(texts.slice(-2), mine, "the offline messages come after what was stored before they reached the room");
    checkEqual(logS.stored.map((m) => m.seq), logS.stored.map((_, i) => i + 1), "seqs without gaps");
    check(texts.indexOf("부재 중 5") < texts.indexOf("오프라인 작성 1"), "order is the room's order");

    // A reload rebuilds the same log from the room, read receipts included.
    await s.reload();
    await waitForStored(s, all);
    await s.locator("ol.messages li.mine .state.read").first().waitFor();
    checkEqual((await chatLog(s)).stored, logS.stored, "the same log after a reload");
  },
};
