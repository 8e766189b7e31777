import { act, chatLog, consultationIdFromUrl, sendMessage, waitForChatOnline, waitForStatus, waitForStored } from "../support/app-driver";
import { check, checkEqual, type Scenario } from "../support/harness";
import { checkTranscript, readDownload, type TranscriptEntry } from "../support/transcript";

/**
 * The seed's main story in two browsers: a student asks a professor, the professor
 * approves, they exchange ten messages (one with a Shift+Enter line break), the student
 * ends it, and the archived transcript holds exactly what was sent.
 */
export const scheduledConsultation: Scenario = {
  name: "student and professor: request, approve, ten messages, end, archive matches",
  async run(world) {
    const student = await world.person("STU001");
    const professor = await world.person("PROF001");
    const s = student.page;
    const p = professor.page;

    await s.getByRole("link", { name: "새 상담 신청" }).click();
    await s.locator("#recipient").fill("PROF001");
    await s.locator("#title").fill("기말 과제 상담");
    await s.locator("#content").fill("과제 범위에 대해 여쭙고 싶습니다.");
    await world.screenshot(s, "new-request");
    await s.getByRole("button", { name: "신청하기" }).click();
    const id = await consultationIdFromUrl(s);
    await waitForStatus(s, "PENDING");
    await world.screenshot(s, "consultation-pending");

    await p.reload();
    await p.locator(`ul.conversations li[data-request="${id}"] a`).waitFor();
    await world.screenshot(p, "my-consultations");
    await p.locator(`ul.conversations li[data-request="${id}"] a`).click();
    await act(p, "approve");
    await waitForStatus(p, "SCHEDULED");
    await waitForStatus(s, "SCHEDULED"); // the student's page notices by itself
    await waitForChatOnline(p);
    await waitForChatOnline(s);

    // The typing indicator reaches the other side.
    await p.locator("#composer").pressSequentially("네", { delay: 0 });
    await s.locator(".typing", { hasText: "입력 중" }).waitFor();
    await p.locator("#composer").fill("");

    const sent: TranscriptEntry[] = [];
    for (let i = 1; i <= 10; i++) {
      const [page, sender] = i % 2 === 1 ? [s, "STU001"] : [p, "PROF001"];
      const content = i === 3 ? `메시지 ${i}: 첫 줄\n둘째 줄` : `메시지 ${i}: ${sender}`;
      await sendMessage(page, content);
      sent.push({ sender, content });
      // Alternate strictly, so the order in the transcript is known.
      await waitForStored(s, [content]);
      await waitForStored(p, [content]);
    }
    const texts = sent.map((m) => m.content);
    await waitForStored(s, texts);
    await waitForStored(p, texts);
    await waitForStatus(s, "IN_PROGRESS"); // the first message started it
    await s.locator("ol.messages li.mine .state.read").last().waitFor(); // "읽음" from the professor
    await world.screenshot(s, "chat-student");

    const [logS, logP] = [await chatLog(s), await chatLog(p)];
    checkEqual(logS.stored, logP.stored, "both sides see the same messages in the same order");
    checkEqual(logS.stored.filter((m) => !m.system).map((m) => m.text), texts, "each message once, in order");
    checkEqual(logS.stored.map((m) => m.seq), logS.stored.map((_, i) => i + 1), "seqs rise by one from 1");
    check(logS.stored.some((m) => m.system), "a SYSTEM message (started) is shown");

    // Over-long drafts are caught before sending.
    await s.locator("#composer").fill("가".repeat(2001));
    check(await s.locator("form.composer button[type=submit]").isDisabled(), "send is disabled over 2000 characters");
    check((await s.locator("#composer-counter").textContent())!.startsWith("2001/2000"), "the counter shows 2001/2000");
    await s.locator("#composer").fill("");

    // The transcript so far can be downloaded while the chat runs.
    const [live] = await Promise.all([s.waitForEvent("download"), s.locator('button[data-download="transcript"]').click()]);
    checkEqual(live.suggestedFilename(), `chat-log-${id}.txt`, "transcript file name");
    checkTranscript(await readDownload(live), sent);

    await act(s, "end");
    await waitForStatus(s, "COMPLETED");
    await s.locator(".chat .notice", { hasText: "상담이 끝나" }).first().waitFor();
    await waitForStatus(p, "COMPLETED");
    await world.screenshot(p, "consultation-completed");

    const archiveButton = p.locator('button[data-download="archive"]');
    await archiveButton.waitFor().catch(() => {
      throw new Error("no archive download offered after the end: the consultation has no chatLogKey (archive not written)");
    });
    const [archived] = await Promise.all([p.waitForEvent("download"), archiveButton.click()]);
    checkEqual(archived.suggestedFilename(), `archived-chat-log-${id}.txt`, "archive file name");
    checkTranscript(await readDownload(archived), sent);
  },
};
