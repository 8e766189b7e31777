/** SPEC section 7, byte for byte. */
import { describe, expect, it } from "vitest";
import { formatTranscript, timeFormatter } from "../../src/protocol/transcript";
import type { ChatMessage } from "../../src/domain/types";

const msg = (seq: number, sender: string, senderName: string, content: string, sentAt: string): ChatMessage => ({
  id: `id-${seq}`, seq, requestIdx: 123, sender, senderName, type: "NORMAL", content, sentAt, clientMsgId: null,
});

// 14:15:30 and 14:16:05 in Seoul (UTC+9); generated 14:30:22 Seoul.
const messages = [
  msg(1, "STU001", "홍길동", "교수님 안녕하세요, 수업 관련 질문이 있습니다.", "2025-10-24T05:15:30.123Z"),
  msg(2, "PROF001", "김교수", "네, 무엇이 궁금하신가요?", "2025-10-24T05:16:05.000Z"),
];
const generatedAt = new Date("2025-10-24T05:30:22.000Z");

const SPEC_EXAMPLE = `==================================================
       상담 채팅 기록
==================================================

상담 요청 번호: 123
생성 일시: 2025-10-24 14:30:22
총 메시지 수: 2

==================================================

[2025-10-24 14:15:30]
발신: 홍길동 (STU001)
내용: 교수님 안녕하세요, 수업 관련 질문이 있습니다.
--------------------------------------------------
[2025-10-24 14:16:05]
발신: 김교수 (PROF001)
내용: 네, 무엇이 궁금하신가요?
--------------------------------------------------

==================================================
채팅 기록 끝
==================================================
`;

describe("formatTranscript", () => {
  it("matches the SPEC example exactly (ko, Asia/Seoul)", () => {
    const text = formatTranscript({ requestIdx: 123, messages, generatedAt, timezone: "Asia/Seoul", locale: "ko" });
    expect(text).toBe(SPEC_EXAMPLE);
    expect(text.split("\n").filter((l) => /^[=-]+$/.test(l)).every((l) => l.length === 50)).toBe(true);
    expect(text.includes("\r")).toBe(false);
  });

  it("has the same layout in English", () => {
    const text = formatTranscript({ requestIdx: 123, messages, generatedAt, timezone: "Asia/Seoul", locale: "en" });
    const expected = SPEC_EXAMPLE.replace("       상담 채팅 기록", "       Consultation chat log")
      .replace("상담 요청 번호:", "Request no.:")
      .replace("생성 일시:", "Generated at:")
      .replace("총 메시지 수:", "Total messages:")
      .replaceAll("발신:", "From:")
      .replaceAll("내용:", "Content:")
      .replace("채팅 기록 끝", "End of chat log");
    expect(text).toBe(expected);
  });

  it("uses TRANSCRIPT_TIMEZONE for every time", () => {
    const text = formatTranscript({ requestIdx: 123, messages, generatedAt, timezone: "UTC", locale: "ko" });
    expect(text).toContain("생성 일시: 2025-10-24 05:30:22\n");
    expect(text).toContain("[2025-10-24 05:15:30]\n");
    const ny = formatTranscript({ requestIdx: 123, messages, generatedAt, timezone: "America/New_York", locale: "ko" });
    expect(ny).toContain("[2025-10-24 01:15:30]\n");
  });

  it("is just the no-history sentence when there are no messages", () => {
    const base = { requestIdx: 123, messages: [], generatedAt, timezone: "Asia/Seoul" };
    expect(formatTranscript({ ...base, locale: "ko" })).toBe("채팅 내역이 없습니다.");
    expect(formatTranscript({ ...base, locale: "en" })).toBe("No chat history.");
  });

  it("keeps multi-line content and SYSTEM senders as they are", () => {
    const system: ChatMessage = { ...msg(3, "SYSTEM", "시스템", "상담이 종료되었습니다.", "2025-10-24T05:20:00.000Z"), type: "SYSTEM" };
    const text = formatTranscript({
      requestIdx: 7,
      messages: [msg(1, "STU001", "홍길동", "첫 줄\n둘째 줄", "2025-10-24T05:15:30.000Z"), system],
      generatedAt,
      timezone: "Asia/Seoul",
      locale: "ko",
    });
    expect(text).toContain("내용: 첫 줄\n둘째 줄\n-----");
    expect(text).toContain("발신: 시스템 (SYSTEM)\n내용: 상담이 종료되었습니다.\n");
  });
});

describe("timeFormatter", () => {
  it("pads and uses a 24-hour clock (midnight is 00)", () => {
    const f = timeFormatter("Asia/Seoul");
    expect(f(new Date("2025-01-01T15:05:09.000Z"))).toBe("2025-01-02 00:05:09");
    expect(f(new Date("2025-01-01T03:04:05.000Z"))).toBe("2025-01-01 12:04:05");
  });
});
