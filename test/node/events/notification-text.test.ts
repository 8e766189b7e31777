import { describe, expect, it } from "vitest";
import { PREVIEW_MAX_CHARS, clip, consultationNotification, messageBatchNotification, messagePreview } from "../../../src/events/consumers/notification-text";
import { CONSULTATION_EVENT_TYPES, consultationEvent } from "../../../src/events/types";
import type { Consultation } from "../../../src/domain/types";

const consultation: Consultation = {
  requestIdx: 5, status: "PENDING", requesterUserCode: "S1", requesterName: "홍길동", recipientUserCode: "P1", recipientName: "김교수",
  category: null, title: "진로 상담", content: "비밀스러운 상담 내용", scheduledAt: null, rejectionReason: null, cancelReason: null,
  createdAt: "2026-12-01T00:00:00.000Z", updatedAt: "2026-12-01T00:00:00.000Z", startedAt: null, endedAt: null, durationMinutes: null,
  lastActivityAt: null, messageCount: 0, chatLogKey: null, endedBy: null,
};

describe("push notification texts", () => {
  it("every lifecycle event has a Korean and an English text, opening the consultation", () => {
    for (const type of CONSULTATION_EVENT_TYPES) {
      const event = consultationEvent(type, consultation);
      const ko = consultationNotification(event, "ko");
      const en = consultationNotification(event, "en");
      expect(ko).toMatchObject({ url: "/consultations/5", requestIdx: 5, type });
      expect(en).toMatchObject({ url: "/consultations/5", requestIdx: 5, type });
      expect(ko.title).toMatch(/[가-힣]/);
      expect(en.title).toMatch(/^[\x20-\x7e]+$/);
      // The request's own text stays out of every notification.
      expect(`${ko.title} ${ko.body} ${en.title} ${en.body}`).not.toContain("비밀");
    }
  });

  it("names the people and the category where it helps", () => {
    expect(consultationNotification(consultationEvent("consultation.created", consultation), "ko")).toMatchObject({ title: "새 상담 신청", body: "홍길동님: 진로 상담" });
    expect(consultationNotification(consultationEvent("consultation.created", { ...consultation, category: "결제", recipientName: null }), "en")).toMatchObject({
      title: "New consultation request (결제)",
      body: "홍길동: 진로 상담",
    });
    expect(consultationNotification(consultationEvent("consultation.approved", consultation), "ko").body).toBe("김교수님 · 진로 상담");
    expect(consultationNotification(consultationEvent("consultation.rejected", { ...consultation, rejectionReason: "일정이 맞지 않습니다" }), "en").body).toBe("진로 상담 — 일정이 맞지 않습니다");
  });

  it("sums a burst up: '3 new messages from 김교수' with the newest preview", () => {
    const summary = { requestIdx: 5, count: 3, senderName: "김교수", last: { type: "NORMAL" as const, content: "내일 뵙겠습니다" } };
    expect(messageBatchNotification(summary, "en")).toEqual({ title: "3 new messages from 김교수", body: "내일 뵙겠습니다", url: "/consultations/5", requestIdx: 5, type: "message.batch" });
    expect(messageBatchNotification(summary, "ko").title).toBe("김교수님의 새 메시지 3개");
    expect(messageBatchNotification({ ...summary, count: 1 }, "ko").title).toBe("김교수님의 새 메시지");
    expect(messageBatchNotification({ ...summary, count: 1 }, "en").title).toBe("New message from 김교수");
  });

  it("a preview is at most 100 characters, never cuts a character in half, and never shows file details", () => {
    const long = "😀가".repeat(80);
    const preview = messagePreview({ type: "NORMAL", content: long }, "ko");
    expect(Array.from(preview)).toHaveLength(PREVIEW_MAX_CHARS);
    expect(preview.endsWith("…")).toBe(true);
    expect(preview).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(clip("  여러   줄\n\n메시지  ")).toBe("여러 줄 메시지");
    expect(clip("x".repeat(100))).toBe("x".repeat(100));
    expect(messagePreview({ type: "FILE", content: '{"name":"secret-report.pdf"}' }, "en")).toBe("Sent a file.");
  });
});
