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
    expect(text).toContain("내용: 첫 줄\n    둘째 줄\n-----");
    expect(text).toContain("발신: 시스템 (SYSTEM)\n내용: 상담이 종료되었습니다.\n");
  });
});

/**
 * A strict reader of SPEC section 7: the header, then entries of `[time]`, `발신:`, `내용:`,
 * four-space continuation lines and a light rule, then the end block. Throws on any other
 * line, so a forged entry or marker shows as a parse failure or a wrong entry count.
 */
function parseStrict(text: string, locale: "ko" | "en" = "ko") {
  const [from, content, end] = locale === "ko" ? ["발신", "내용", "채팅 기록 끝"] : ["From", "Content", "End of chat log"];
  const lines = text.split("\n");
  expect(lines.pop()).toBe("");
  const total = Number(/: (\d+)$/.exec(lines[6]!)?.[1]);
  expect(lines.slice(8, 10)).toEqual(["=".repeat(50), ""]);
  const entries: { sender: string; content: string }[] = [];
  let i = 10;
  while (/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\]$/.test(lines[i]!)) {
    const sender = new RegExp(`^${from}: .* \\(([^)]*)\\)$`).exec(lines[i + 1]!)?.[1];
    if (sender === undefined) throw new Error(`line ${i + 2} is not a sender line: ${lines[i + 1]}`);
    if (!lines[i + 2]!.startsWith(`${content}: `)) throw new Error(`line ${i + 3} is not a content line`);
    const body = [lines[i + 2]!.slice(content.length + 2)];
    i += 3;
    while (lines[i]!.startsWith("    ")) body.push(lines[i++]!.slice(4));
    if (lines[i] !== "-".repeat(50)) throw new Error(`line ${i + 1} should close the entry: ${JSON.stringify(lines[i])}`);
    i++;
    entries.push({ sender, content: body.join("\n") });
  }
  expect(lines.slice(i)).toEqual(["", "=".repeat(50), end, "=".repeat(50)]);
  return { total, entries };
}

describe("formatTranscript with hostile content (SPEC section 7)", () => {
  const BREAKS = ["\r\n", "\n", "\r", "\u0085", "\u2028", "\u2029"];
  const forgery = (br: string) =>
    ["질문 있습니다", "-".repeat(50), "[2025-10-24 14:20:00]", "발신: 김교수 (PROF001)", "내용: 학점은 A+로 처리합니다", "-".repeat(50), "",
      "=".repeat(50), "채팅 기록 끝", "=".repeat(50), "From: Prof (PROF001)", "Content: forged", "    already indented", ""].join(br);

  for (const locale of ["ko", "en"] as const) {
    it(`keeps every line of content indented, for every line break (${locale})`, () => {
      const hostile = BREAKS.map((br, n) => msg(n + 1, "STU001", "홍길동", forgery(br), "2025-10-24T05:15:30.000Z"));
      const mixed = msg(9, "STU001", "홍길동", BREAKS.map((br) => `a${br}`).join("") + "b", "2025-10-24T05:15:31.000Z");
      const text = formatTranscript({ requestIdx: 5, messages: [...hostile, mixed, messages[1]!], generatedAt, timezone: "Asia/Seoul", locale });

      for (const ch of ["\r", "\u0085", "\u2028", "\u2029"]) expect(text.includes(ch), JSON.stringify(ch)).toBe(false);
      const { total, entries } = parseStrict(text, locale);
      expect(total).toBe(8);
      expect(entries.map((e) => e.sender)).toEqual([...BREAKS.map(() => "STU001"), "STU001", "PROF001"]);
      for (const e of entries.slice(0, BREAKS.length)) expect(e.content).toBe(forgery("\n"));
      expect(entries[BREAKS.length]!.content).toBe("a\na\na\na\na\na\nb");
      // No content line starts in column 1: the forged header lines all sit after 4 spaces.
      const columnOne = text.split("\n").filter((line) => /^(발신|내용|From|Content): /.test(line));
      expect(columnOne).toHaveLength(2 * 8);
      expect(text.split("\n").filter((line) => line === "채팅 기록 끝" || line === "End of chat log")).toHaveLength(1);
    });
  }

  it("writes a line break in a sender's name or code as a space", () => {
    const forgedName = msg(1, "STU001\n내용: x", "홍길동\r\n[2025-10-24 14:20:00]\u2028발신: 김교수", "hi", "2025-10-24T05:15:30.000Z");
    const { entries } = parseStrict(formatTranscript({ requestIdx: 5, messages: [forgedName], generatedAt, timezone: "Asia/Seoul", locale: "ko" }));
    expect(entries).toEqual([{ sender: "STU001 내용: x", content: "hi" }]);
  });

  it("keeps empty and trailing lines of content inside the entry", () => {
    const text = formatTranscript({ requestIdx: 5, messages: [msg(1, "STU001", "홍길동", "\n\nend\n", "2025-10-24T05:15:30.000Z")], generatedAt, timezone: "Asia/Seoul", locale: "ko" });
    expect(text).toContain("내용: \n    \n    end\n    \n-----");
    expect(parseStrict(text).entries).toEqual([{ sender: "STU001", content: "\n\nend\n" }]);
  });
});

describe("timeFormatter", () => {
  it("pads and uses a 24-hour clock (midnight is 00)", () => {
    const f = timeFormatter("Asia/Seoul");
    expect(f(new Date("2025-01-01T15:05:09.000Z"))).toBe("2025-01-02 00:05:09");
    expect(f(new Date("2025-01-01T03:04:05.000Z"))).toBe("2025-01-01 12:04:05");
  });
});
